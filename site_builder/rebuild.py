"""`serve`'s rebuild loop: watch the sources, let a burst of saves settle, build, reload.

Input: the content and templates directories. Output: the site in `--out`, rebuilt after every
save, a terminal line per rebuild (what changed, what was written, how long it took) and, for
the HTTP side (server.py), the last build's problems and which paths browsers should reload.

- The operating system reports saves (inotify, through watchfiles, so 20,000 sources cost
  nothing between saves); once a burst has settled for SETTLE_MS the loop rebuilds with the
  same `BuildState` every time, which keeps the model and page records in memory, and writes
  them to disk (`flush`) once no build ran for FLUSH_AFTER. livereload's own watcher polls and
  drops changes that arrive within 3 s of a reload (`poll_tasks` in livereload/handlers.py),
  so a quick second save would be lost: hence our own loop.
- `Epochs` are MkDocs' server's build epochs, made explicit: builds started, builds whose
  outcome is in place (requests wait for that rather than see a half-moved site), builds
  reported (logged and announced to browsers; tests and tools wait for these).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import watchfiles

from site_builder import edited, search, urls
from site_builder.build import BuildOptions, BuildState, FirstPages, build, shown_path
from site_builder.errors import ContentError
from site_builder.faults import EnvironmentFailure, describe
from site_builder.state import SLOW_TO_WRITE
from site_builder.load import is_source_name

SETTLE_MS = 10  # without a further change for this long, a burst of saves is over (one save is microseconds)
LONGEST_BURST_MS = 1000  # rebuild after this long even while changes keep coming
WAKE_MS = 100  # the watcher looks up this often without changes (to learn it should stop)
FLUSH_AFTER = 1.0  # seconds without a build before the search index and page records are brought up to date
SNAPSHOT_AFTER = 10.0  # ... and before the model's snapshot is written too (state.SLOW_TO_WRITE)
BUILD_WAIT = 30.0  # longest a request (or the first build) waits
# What a rebuild leaves for the idle moment (build.LaterPages), files no browser shows while
# editing: /data/ and its page (3.3 s of a title edit's 8 at 10,000 stories), the sitemap and
# the language feeds (0.6 s: every story's head)
LATER = frozenset({"data", "data_page", "sitemap", "sitemap_index", "feed"})
IN_PLACE = (".css", ".png", ".jpg", ".jpeg", ".gif")  # livereload.js refreshes these without a reload


@dataclass
class Epochs:
    """How many builds were started, are finished (their output or problems in place) and
    reported; the site is settled when every build started is finished."""

    started: int = 0
    finished: int = 0
    reported: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def advance(self, which: str) -> None:
        with self.changed:
            setattr(self, which, getattr(self, which) + 1)
            self.changed.notify_all()

    def settled(self) -> bool:
        return self.finished == self.started

    def wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(ready, timeout)


def watched_roots(roots: Iterable[Path]) -> list[Path]:
    """The directories to ask the OS about: each root, or its nearest existing ancestor
    while it does not exist yet (so that creating it is seen)."""
    found = []
    for root in roots:
        root = root.resolve()
        while not root.is_dir() and root != root.parent:
            root = root.parent
        found.append(root)
    return sorted(set(found))


def is_source(path: str, roots: Iterable[Path], skip: Path) -> bool:
    """Inside a root, outside the output, and a source by name (load.is_source_name)."""
    where = Path(path)
    if where == skip or skip in where.parents:
        return False
    for root in roots:
        if root == where or root in where.parents:
            return all(is_source_name(part) for part in where.relative_to(root).parts)
    return False


class Indexer:
    """`search.settle` in a thread of its own, so that a save made while the index is being
    made again (seconds for a shard of thousands of pages) is built at once: the save stops
    it (its Pagefind processes killed, nothing of it written) and the next idle moment starts
    it again. It and the builds take turns on the BuildState: `stop` returns once it has."""

    def __init__(self, state: BuildState, log: Callable[[str], None]):
        self.state, self.log = state, log
        self.cancel = threading.Event()
        self.thread: threading.Thread | None = None
        self.failed = False  # not tried again until the next build

    def start(self, later: tuple[str, ...]) -> None:
        """Start unless running; `later`: what it leaves unsaved (state.SLOW_TO_WRITE)."""
        if not self.failed and (self.thread is None or not self.thread.is_alive()):
            self.cancel.clear()
            self.thread = threading.Thread(target=self.settle, args=(later,), name="serve-index", daemon=True)
            self.thread.start()

    def settle(self, later: tuple[str, ...]) -> None:
        try:
            search.settle(self.state, self.cancel, later)
        except Exception as bad:  # a full disk, or a bug: said once, and serving goes on
            self.failed = True
            detail = describe(bad) if isinstance(bad, OSError) else traceback.format_exc().rstrip()
            self.log(f"search index or records not brought up to date: {detail}")

    def stop(self) -> None:
        if self.thread is not None:
            self.cancel.set()
            self.thread.join()
            self.thread = None
        self.failed = False

    def finish(self) -> None:
        """When serve stops: let a running one end, then bring everything up to date."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        search.settle(self.state)


class RebuildLoop:
    """The rebuild thread of one `serve` session and what it leaves for the HTTP side."""

    def __init__(self, options: BuildOptions, reload: Callable[[list[str]], None], log: Callable[[str], None],
                 changes: Callable[..., Iterable[set]] = watchfiles.watch):
        """`changes` reports the saves, one set per settled burst (watchfiles.watch; tests pass
        their own, so that what a burst is does not depend on the machine's speed)."""
        self.options, self.reload, self.log, self.changes = options, reload, log, changes
        self.root = options.out.resolve()
        self.state = BuildState.watched(options)  # the watcher says which files to look at
        self.problems: tuple[str, ...] = ()  # of the last build; the last good site stays served
        self.epochs = Epochs()
        self.stopped, self.watching = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.watch, name="serve-watch", daemon=True)
        self.last_build = 0.0
        self.verbosity = 0  # -1 quiet (problems only), 1 verbose (stage times, every page written)
        self.url = ""  # where the site is served, for the latest story's address
        self.latest: tuple[str, str] | None = None  # (lang, slug) of the story file saved last
        self.indexer = Indexer(self.state, log)
        self.shown: frozenset[str] = frozenset()  # page paths browsers show (server.py keeps it)
        self.reload_showing: Callable[[list[str]], None] = lambda paths: None  # the browsers showing these
        self.ready: frozenset[str] = frozenset()  # page paths the running build has written already
        self.statics_kept = False  # the running build changes no static file (templates/static/)

    def start(self) -> None:
        """Start watching, then build once; problems are shown, not fatal."""
        self.thread.start()
        self.watching.wait(BUILD_WAIT)  # the OS reports saves from here on: none is missed
        stories = self.options.content / "stories"
        self.latest = edited.latest_story(stories, edited.all_stories(stories))
        self.rebuild("first build")

    def watch(self) -> None:
        """Wait for saves until stopped; rebuild once a burst of them has settled."""
        roots = [p.resolve() for p in (self.options.content, self.options.templates)]
        early: set = set()  # saves reported while start() runs the first build: built after it
        for changes in self.changes(*watched_roots(roots), watch_filter=lambda _, path: is_source(path, roots, self.root),
                                    debounce=LONGEST_BURST_MS, step=SETTLE_MS, stop_event=self.stopped,
                                    rust_timeout=WAKE_MS, yield_on_timeout=True, raise_interrupt=False):
            self.watching.set()  # the first pass, changes or not, means the watch is in place
            if self.epochs.reported == 0:  # neither a second build at once nor idle work (which,
                early |= changes  # finding no records yet, would take the index as made)
                continue
            changes, early = changes | early, set()
            idle, pending = time.monotonic() - self.last_build, self.state.unsaved
            if not changes and pending and idle > SNAPSHOT_AFTER:
                self.indexer.start(())  # idle for long: the model's snapshot too
            elif not changes and pending - set(SLOW_TO_WRITE) and idle > FLUSH_AFTER:
                self.indexer.start(SLOW_TO_WRITE)  # idle: the search index, then records on disk for a later `build`
            if changes:
                self.indexer.stop()  # a save does not wait for the index: it is made again once idle
                self.state.note(path for _, path in changes)
                self.latest = edited.latest_story(self.options.content / "stories",
                                                  (Path(path) for _, path in changes)) or self.latest
                shown = sorted({shown_path(Path(path)) for _, path in changes})
                statics = self.options.templates.resolve() / "static"
                self.statics_kept = not any(statics == Path(p) or statics in Path(p).parents for _, p in changes)
                self.rebuild(", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "") + " changed")
        self.indexer.finish()

    def rebuild(self, what: str) -> None:
        """Build, keep the outcome, and tell the browsers what to reload."""
        before, start, report = self.problems, time.perf_counter(), None
        self.epochs.advance("started")
        try:
            report = build(self.options, state=self.state, first=FirstPages(self.shown, self.first_ready),
                           later=self.later_kinds() if self.epochs.started > 1 else frozenset())
            self.problems = ()
        except ContentError as bad:
            self.problems = tuple(map(str, bad.problems))
        except (EnvironmentFailure, OSError) as bad:  # a full disk…: one line, as in `build`
            self.problems = (f"error: {bad if isinstance(bad, EnvironmentFailure) else describe(bad)}",)
        except Exception as bad:  # a bug, not the editor's fault: show it and keep serving
            self.log(traceback.format_exc().rstrip())
            self.problems = (f"internal error while building: {type(bad).__name__}: {bad} (traceback in the terminal)",)
        finally:
            self.ready, self.statics_kept = frozenset(), False
            self.epochs.advance("finished")
        ms, clock = (time.perf_counter() - start) * 1000, time.strftime("%H:%M:%S")
        if report is None:
            count = len(self.problems)
            still = "still serving the last good site" if self.root.is_dir() else "nothing to serve until they are fixed"
            self.log(f"{clock} {what}: {count} problem{'s' if count != 1 else ''}; {still}")
            self.log("\n".join("  " + problem for problem in self.problems))
            self.reload(["*"] if self.problems != before else [])
        else:
            changed = report.written + report.removed
            if self.verbosity >= 0:
                self.log(f"{clock} {what}: {len(report.written)} written, {len(report.removed)} removed "
                         f"of {report.pages} pages in {ms:.0f} ms" + (" (problems fixed)" if before else ""))
                self.log_details(changed, report.phases)
            if before or report.removed or any(not p.lower().endswith(IN_PLACE) for p in report.written):
                self.reload(["*"])
            else:  # nothing, or CSS and images, which livereload.js refreshes in place
                self.reload(["/" + p for p in report.written])
        self.last_build = time.monotonic()
        self.epochs.advance("reported")

    def later_kinds(self) -> frozenset[str]:
        """What a rebuild leaves for the idle moment after it (LATER), but the /data/ page
        when a browser shows it."""
        shown_data = any(path.rstrip("/").endswith("/data") for path in self.shown)
        return LATER - {"data_page"} if shown_data else LATER

    def first_ready(self, files: list[str]) -> None:
        """The build wrote these pages before the rest: they are served at once, and the
        browsers reload (the rest follows; those showing another page wait for it)."""
        paths = ["/" + f for f in files] + ["/" + f.removesuffix("index.html") for f in files if f.endswith("index.html")]
        self.ready = self.ready | frozenset(paths)
        self.reload_showing(paths)

    def serves_now(self, path: str) -> bool:
        """Whether a request may be answered while a build runs: a page it wrote already, or
        a static file when no file of templates/static/ changed."""
        return path in self.ready or (self.statics_kept and path.startswith("/static/"))

    def log_details(self, changed: list[str], phases: dict[str, float]) -> None:
        """Under a rebuild's line: the files changed (all with -v, else up to five), the stage
        times (-v), and the address of the page of the story saved last while it exists."""
        if changed and (len(changed) <= 5 or self.verbosity > 0):
            self.log("  " + ", ".join(changed))
        if self.verbosity > 0 and phases:
            self.log("  stages: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in phases.items()))
        page = urls.story(*self.latest) if self.latest else None
        if page and (self.root / urls.file_of(page)).is_file():
            self.log(f"  latest story: {self.url}{page}")

    def wait_settled(self, timeout: float) -> bool:
        """True once no build is running (False after `timeout` seconds of one)."""
        return self.epochs.wait(self.epochs.settled, timeout)

    def wait_for_build(self, count: int, timeout: float) -> bool:
        """True once `count` builds have been reported, the first included (for tests and tools)."""
        return self.epochs.wait(lambda: self.epochs.reported >= count, timeout)

    def stop(self, timeout: float = BUILD_WAIT) -> None:
        self.stopped.set()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)
