"""`status` at scale: issue 13's ≤ 1 s at 10,000 stories (it reads the model, renders nothing).

Copies a corpus (generated as run.py does), times `python -m site_builder status` in a new
process each run: first with no build to lean on (it loads and assembles every file), then
after one build (it reads the translation facts the build kept: translation_facts.py), then
after a body edit and after a title edit of one English story whose translation was
acknowledged (the facts patched by reading that file again: the story is stale and its diff
is computed). Prints each run's wall time, the median and spread, and the median CPU time
(user + system), which a busy machine inflates less.

    python benchmarks/status_time.py                    # 10,000 stories (one full build first)
    python benchmarks/status_time.py --stories 1000 --runs 5
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import gen_corpus  # noqa: E402


CPU: list[float] = []  # of the runs since the last show()


def timed(work: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "site_builder", *args], cwd=work, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"site_builder {' '.join(args)} failed:\n{done.stderr}")
    return elapsed, done


def show(label: str, times: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in times)
    cpu = statistics.median(CPU[-len(times):])
    print(f"{label:<40} median {statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f}), CPU {cpu:.2f} s; runs: {runs}",
          flush=True)
    CPU.clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    corpus = HERE / ".work" / f"corpus-n{args.stories}-s{args.seed}"
    if not (corpus / "site.yaml").is_file():
        print(f"generating {args.stories} stories into {corpus} …", flush=True)
        gen_corpus.generate(str(corpus), stories=args.stories, seed=args.seed, force=True)
    work = HERE / ".work" / f"status-n{args.stories}-s{args.seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(corpus, work / "content")
    shutil.copytree(REPO / "templates", work / "templates", ignore=shutil.ignore_patterns("*.mo"))
    story = sorted((work / "content" / "stories").glob("*.en.md"))[len(list((work / "content" / "stories").glob("*.en.md"))) // 2]
    slug = story.name[: -len(".en.md")]

    show("status, no build yet (loads everything)", [timed(work, "status")[0]])  # once: seconds at 10k
    print("building once for the snapshot …", flush=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "site_builder", "build"], cwd=work, check=True, capture_output=True)
    print(f"  build took {time.perf_counter() - start:.1f} s", flush=True)
    show("status after a build (its facts)", [timed(work, "status")[0] for _ in range(args.runs)])
    show("status --json after a build", [timed(work, "status", "--json")[0] for _ in range(args.runs)])
    if (work / "content" / "stories" / f"{slug}.zh.md").is_file():
        timed(work, "status", "--ack", slug)
        subprocess.run([sys.executable, "-m", "site_builder", "build"], cwd=work, check=True, capture_output=True)
        text = story.read_text("utf-8")
        story.write_text(text + "\nA paragraph added after the translation was checked.\n", "utf-8")
        times = []
        for _ in range(args.runs):
            elapsed, done = timed(work, "status")
            if f"stale      zh   {slug}" not in done.stdout:
                sys.exit(f"the edited story {slug} is not reported stale")
            times.append(elapsed)
        show("status after a body edit (one stale)", times)
        text = story.read_text("utf-8")
        story.write_text(text.replace("\ntitle: ", "\ntitle: Corrected, ", 1), "utf-8")
        times = []
        for _ in range(args.runs):
            elapsed, done = timed(work, "status")
            if f"stale      zh   {slug}" not in done.stdout or "Corrected," not in done.stdout:
                sys.exit(f"the title edit of {slug} is not in status's diff")
            times.append(elapsed)
        show("status after a title edit (one stale)", times)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
