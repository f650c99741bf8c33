"""Save → files written, inside `serve`: issue #6's ≤ 200 ms target for a one-story body edit.

Starts `python -m site_builder serve` on a corpus (generated as run.py does, or given), waits
for its first build, then appends a paragraph to one English story's body again and again and
measures, from the moment the file is saved, how long until the story's page on disk holds the
new paragraph. Prints every run, the median and the spread, and the build times serve logged.

    python benchmarks/serve_edit.py                    # the 10,000-story corpus, 10 edits
    python benchmarks/serve_edit.py --stories 1000 --edits 20
    python benchmarks/serve_edit.py --content /tmp/corpus
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import gen_corpus  # noqa: E402


def corpus_dir(stories: int, seed: int) -> Path:
    path = HERE / ".work" / f"corpus-n{stories}-s{seed}"
    if not (path / "site.yaml").is_file():
        print(f"generating {stories} stories into {path} …", flush=True)
        gen_corpus.generate(str(path), stories=stories, seed=seed, force=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--content", type=Path, help="an existing content directory (copied first)")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between two edits")
    args = parser.parse_args()

    source = args.content or corpus_dir(args.stories, args.seed)
    work = HERE / ".work" / f"serve-{source.name}"
    shutil.rmtree(work, ignore_errors=True)
    print(f"copying {source} and templates into {work} …", flush=True)
    shutil.copytree(source, work / "content")
    shutil.copytree(REPO / "templates", work / "templates", ignore=shutil.ignore_patterns("*.mo"))
    story = sorted((work / "content/stories").glob("*.en.md"))[len(list((work / "content/stories").glob("*.en.md"))) // 2]
    slug = story.name.removesuffix(".en.md")
    page = work / "public/en/stories" / slug / "index.html"

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    server = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "serve", "--content", "content", "--templates", "templates",
         "--out", "public", "--port", "0"],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.rstrip()) for line in server.stdout], daemon=True).start()

    def wait_for(pattern: str, timeout: float) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if re.search(pattern, line):
                return line
        raise SystemExit(f"serve did not print /{pattern}/ within {timeout:.0f} s")

    try:
        started = time.perf_counter()
        print(wait_for(r"first build", 900), flush=True)
        print(f"first build (cold, drafts included): {time.perf_counter() - started:.1f} s", flush=True)
        wait_for(r"serving ", 60)
        latencies, builds = [], []
        for n in range(1, args.edits + 1):
            time.sleep(args.pause)
            marker = f"Serve benchmark edit {n}."
            with story.open("a", encoding="utf-8") as f:
                f.write(f"\n\n{marker}\n")
            saved = time.perf_counter()
            while marker.encode() not in page.read_bytes():
                if time.perf_counter() - saved > 60:
                    raise SystemExit("the page was not rewritten within 60 s")
                time.sleep(0.001)
            latencies.append((time.perf_counter() - saved) * 1000)
            logged = wait_for(rf"{re.escape(story.name)} changed", 60)
            found = re.search(r"in (\d+) ms", logged)
            builds.append(int(found.group(1)) if found else 0)
            print(f"  edit {n:2d}: save → page written {latencies[-1]:6.0f} ms   (serve's build: {builds[-1]} ms)", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    print(f"\nserve, one-story body edit, {len(story.read_text('utf-8'))} B story, corpus {source.name}, "
          f"{os.cpu_count()} cores:")
    print(f"  save → page written: median {statistics.median(latencies):.0f} ms "
          f"(min {min(latencies):.0f}, max {max(latencies):.0f}; target ≤ 200 ms)")
    print(f"  serve's own build time: median {statistics.median(builds):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
