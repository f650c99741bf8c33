"""Save → pages written, inside `serve`, for every kind of edit (issue #15's serve targets).

Starts `python -m site_builder serve` on a copy of a corpus (generated as run.py does, or
given), waits for its first build, then makes each kind of edit several times, a pause apart,
and measures from the moment the file is saved:

- **own page**: until the edited story's or entity's English page on disk holds the change
  (for a template edit: the edited story's page, which a stand-in browser tab shows: serve
  writes the page a browser shows first; `--no-tab` for none);
- **all pages**: until serve logs that the build is done (every dependent page written).

Kinds: a story's body, its title, its summary, its date, its list of people, an event; the
most-mentioned person's name; a comment in `story.html` (a template) and in `base.html`.
Each edit is undone by the next (title A → B → A …), so the corpus does not drift. Prints one
line per edit and a Markdown table of medians with the spread.

    python benchmarks/serve_edit.py                        # 10,000 stories, 3 edits of each kind
    python benchmarks/serve_edit.py --stories 1000 --edits 5
    python benchmarks/serve_edit.py --only body,title      # some kinds
    python benchmarks/serve_edit.py --content /tmp/corpus
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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


@dataclass(frozen=True)
class Edit:
    """One kind of edit: the file it changes, how (given the edit's number), which page must
    then hold which marker, and the target for that page and for the whole build (ms)."""

    kind: str
    file: Path
    change: Callable[[str, int], str]  # (file text, n) → new text
    page: Path
    marker: Callable[[int], str]  # what the page must hold; "!text": must no longer hold
    own_target: float
    all_target: float


def replace_line(prefix: str, value: Callable[[int], str]) -> Callable[[str, int], str]:
    """Replace the front-matter line starting with `prefix` by `prefix + value(n)`."""
    def change(text: str, n: int) -> str:
        head, sep, rest = text.partition(f"\n{prefix}")
        assert sep, f"no line starting {prefix!r}"
        return head + sep + value(n) + "\n" + rest.split("\n", 1)[1]
    return change


def most_mentioned_person(stories: Path) -> str:
    counts: collections.Counter[str] = collections.Counter()
    for path in stories.glob("*.en.md"):
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("people: ["):
                counts.update(x.strip() for x in line[len("people: ["):-1].split(",") if x.strip())
                break
    return counts.most_common(1)[0][0]


def in_last_block(marker: Callable[[int], str]) -> Callable[[str, int], str]:
    """A child template shows only what is inside its blocks: the marker goes just before the
    last `{% endblock %}` (the previous edit's marker taken out first)."""
    def change(text: str, n: int) -> str:
        text = re.sub(r"<!-- serve edit \d+ -->\n", "", text)
        end = text.rindex("{% endblock %}")
        return text[:end] + marker(n) + "\n" + text[end:]
    return change


def edits(work: Path) -> tuple[list[Edit], Path]:
    """The kinds of edit, and the edited story's English page."""
    stories = work / "content/stories"
    english = [p for p in sorted(stories.glob("*.en.md")) if "\nevents:" in p.read_text("utf-8")]
    story = english[len(english) // 2]  # the middle one of those with events
    slug = story.name.removesuffix(".en.md")
    page = work / "public/en/stories" / slug / "index.html"
    text = story.read_text("utf-8")
    title = re.search(r"^title: (.*)$", text, re.M).group(1)
    summary = re.search(r"^summary: (.*)$", text, re.M).group(1)
    date = re.search(r"^date: (\d{4})-(\d\d)-(\d\d)$", text, re.M)
    people = re.search(r"^people: \[(.*)\]$", text, re.M).group(1)
    person = most_mentioned_person(stories)
    person_file = work / "content/people" / f"{person}.yaml"
    person_name = re.search(r"^name: \{en: (.*?)(,|\})", person_file.read_text("utf-8"), re.M).group(1)
    other = next(p.stem for p in sorted((work / "content/people").glob("*.yaml")) if p.stem not in people)
    day = lambda n: f"{date.group(1)}-{date.group(2)}-{(int(date.group(3)) % 27) + 1 + n % 2:02d}"
    print(f"edited story: {slug} (page {page.relative_to(work)}); most-mentioned person: {person}", flush=True)
    return [
        Edit("story body", story, lambda t, n: t + f"\n\nServe benchmark edit {n}.\n", page,
             lambda n: f"Serve benchmark edit {n}.", 100, 100),
        Edit("story title", story, replace_line("title: ", lambda n: f"{title} (edit {n})"), page,
             lambda n: f"(edit {n})", 1000, 3000),
        Edit("story summary", story, replace_line("summary: ", lambda n: f"{summary} Edit {n}."), page,
             lambda n: f"Edit {n}.", 1000, 3000),
        Edit("story date", story, replace_line("date: ", day), page,
             lambda n: f'datetime="{day(n)}"', 1000, 3000),
        Edit("story people", story, replace_line("people: ", lambda n: "[" + ", ".join(x for x in (people, other if n % 2 else "") if x) + "]"),
             page, lambda n: f"/people/{other}/" if n % 2 else f"!/people/{other}/", 1000, 3000),
        Edit("event title", story, lambda t, n: re.sub(r"^(    title: \{en: )([^,}]*?)( \(event edit \d+\))?(,|\})",
                                                       rf"\g<1>\g<2> (event edit {n})\g<4>", t, count=1, flags=re.M),
             page, lambda n: f"(event edit {n})", 1000, 3000),
        Edit("entity name (most-mentioned person)", person_file,
             lambda t, n: re.sub(r"^name: \{en: [^,}]*", f"name: {{en: {person_name} Edit{n}", t, count=1, flags=re.M),
             work / "public/en/people" / person / "index.html", lambda n: f"{person_name} Edit{n}", 1000, 3000),
        Edit("template (story.html)", work / "templates/story.html", in_last_block(lambda n: f"<!-- serve edit {n} -->"),
             page, lambda n: f"<!-- serve edit {n} -->", 1000, 0),
        Edit("template (base.html)", work / "templates/base.html", lambda t, n: t + f"\n<!-- serve base edit {n} -->\n",
             page, lambda n: f"<!-- serve base edit {n} -->", 1000, 0),
    ], page


def open_tab(port: int, page: str) -> None:
    """A browser tab on `page` as serve sees one: livereload's handshake over its socket (hello,
    then info with the page's URL), kept open in a thread, the reload commands ignored. So
    serve knows which page is shown and writes it first."""
    import asyncio

    from tornado.websocket import websocket_connect

    async def tab() -> None:
        socket = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
        await socket.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        await socket.read_message()
        await socket.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/{page}", "plugins": {}}))
        while await socket.read_message() is not None:
            pass

    threading.Thread(target=lambda: asyncio.run(tab()), daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--content", type=Path, help="an existing content directory (copied first)")
    parser.add_argument("--edits", type=int, default=3, help="edits of each kind")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds after a build before the next edit")
    parser.add_argument("--only", default="", help="comma-separated words: kinds whose name holds one")
    parser.add_argument("--no-tab", action="store_true", help="no stand-in browser tab on the edited story's page")
    args = parser.parse_args()

    source = args.content or corpus_dir(args.stories, args.seed)
    work = HERE / ".work" / f"serve-{source.name}"
    shutil.rmtree(work, ignore_errors=True)
    print(f"copying {source} and templates into {work} …", flush=True)
    shutil.copytree(source, work / "content")
    shutil.copytree(REPO / "templates", work / "templates", ignore=shutil.ignore_patterns("*.mo"))
    every, page = edits(work)
    kinds = [e for e in every if not args.only or any(w in e.kind for w in args.only.split(","))]

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    server = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "serve", "--content", "content", "--templates", "templates",
         "--out", "public", "--port", "0"],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.perf_counter(), line.rstrip())) for line in server.stdout],
                     daemon=True).start()

    def wait_for(pattern: str, timeout: float) -> tuple[float, str]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                when, line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if re.search(pattern, line):
                return when, line
        raise SystemExit(f"serve did not print /{pattern}/ within {timeout:.0f} s")

    rows = []
    try:
        started = time.perf_counter()
        print(wait_for(r"first build", 900)[1], flush=True)
        print(f"first build (cold, drafts included): {time.perf_counter() - started:.1f} s", flush=True)
        _, serving = wait_for(r"serving ", 60)
        if not args.no_tab:
            port = int(re.search(r":(\d+)/", serving).group(1))
            open_tab(port, page.relative_to(work / "public").parent.as_posix() + "/")
            print(f"a tab shows /{page.relative_to(work / 'public').parent.as_posix()}/", flush=True)
        for edit in kinds:
            own, whole, written = [], [], []
            for n in range(1, args.edits + 1):
                time.sleep(args.pause)
                while not lines.empty():  # what serve printed meanwhile (the index settling)
                    lines.get()
                edit.file.write_text(edit.change(edit.file.read_text("utf-8"), n), "utf-8")
                saved = time.perf_counter()
                marker = edit.marker(n)
                absent, marker = marker.startswith("!"), marker.removeprefix("!").encode()
                while (marker in edit.page.read_bytes()) == absent:
                    if time.perf_counter() - saved > 120:
                        print(f"  {edit.kind}: the page was not rewritten within 120 s", flush=True)
                        break
                    time.sleep(0.002)
                else:
                    own.append((time.perf_counter() - saved) * 1000)
                if len(own) < n:
                    break  # this kind failed: the next kind
                when, logged = wait_for(rf"{re.escape(edit.file.name)} changed", 120)
                whole.append((when - saved) * 1000)
                found = re.search(r"(\d+) written", logged)
                written.append(int(found.group(1)) if found else 0)
                print(f"  {edit.kind}, edit {n}: own page {own[-1]:7.0f} ms, all pages {whole[-1]:7.0f} ms "
                      f"({written[-1]} files written)", flush=True)
            if own:
                rows.append((edit, own, whole, written))
    finally:
        server.terminate()
        server.wait(30)

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"

    print(f"\nserve at {source.name}, {os.cpu_count()} cores, {args.edits} edits of each kind "
          "(median, min–max, ms from save):\n")
    print("| edit | files written | save → own page | target | save → all pages | target |")
    print("|---|---:|---:|---:|---:|---:|")
    for edit, own, whole, written in rows:
        all_target = f"≤ {edit.all_target:,.0f}" if edit.all_target else "background"
        print(f"| {edit.kind} | {statistics.median(written):,.0f} | {spread(own)} | ≤ {edit.own_target:,.0f} "
              f"| {spread(whole)} | {all_target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
