"""`serve`'s rebuild loop with the OS's reports of saves injected (rebuild.RebuildLoop's
`changes`): how many rebuilds a burst of saves gives is decided by what the watcher reports,
never by how fast this machine is (the browser tests check the promise end to end)."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time

from watchfiles import Change

from conftest import STORY_EN, options
from site_builder import rebuild, search
from site_builder.parallel import run_apart
from site_builder.rebuild import FLUSH_AFTER, RebuildLoop
from site_builder.state import SLOW_TO_WRITE

STORY = "content/stories/gbsa-centre.en.md"
WAIT = 120.0


class Watcher:
    """Stands in for watchfiles.watch: yields what the test puts, an empty set when idle."""

    def __init__(self) -> None:
        self.batches: queue.Queue[set] = queue.Queue()
        self.asked: dict = {}
        self.taken = 0

    def __call__(self, *roots, stop_event, **settings):
        self.asked = settings
        while not stop_event.is_set():
            try:
                batch = self.batches.get(timeout=0.01)
            except queue.Empty:
                yield set()
                continue
            self.taken += 1
            yield batch


def started(root, watcher: Watcher) -> RebuildLoop:
    logs: list[str] = []
    loop = RebuildLoop(options(root, drafts=True), reload=lambda paths: None, log=logs.append, changes=watcher)
    loop.start()
    assert loop.wait_for_build(1, WAIT)
    return loop


def save(root, n: int) -> tuple[Change, str]:
    path = root / STORY
    path.write_text(STORY_EN.replace("opened a centre", f"opened save {n} of a centre"), "utf-8")
    return Change.modified, str(path)


def shown(root) -> str:
    return (root / "public/en/stories/gbsa-centre/index.html").read_text("utf-8")


def test_a_settled_burst_of_five_saves_is_one_rebuild_ending_on_the_last(make_site):
    root = make_site()
    watcher = Watcher()
    loop = started(root, watcher)
    try:
        burst = {save(root, n) for n in range(1, 6)}  # one file saved five times: the OS reports it once settled
        watcher.batches.put(burst)
        assert loop.wait_for_build(2, WAIT)
        assert loop.wait_settled(WAIT) and watcher.batches.empty()
        assert "opened save 5 of a centre" in shown(root)
        assert loop.epochs.reported == 2  # the first build and one rebuild
    finally:
        loop.stop()
    # what makes a burst: settled for SETTLE_MS, and never longer than LONGEST_BURST_MS
    assert watcher.asked["step"] == rebuild.SETTLE_MS and watcher.asked["debounce"] == rebuild.LONGEST_BURST_MS


def test_saves_reported_apart_are_each_built_and_none_is_lost(make_site):
    root = make_site()
    watcher = Watcher()
    loop = started(root, watcher)
    try:
        for n in range(1, 4):
            watcher.batches.put({save(root, n)})
            assert loop.wait_for_build(1 + n, WAIT)
            assert f"opened save {n} of a centre" in shown(root)
        assert loop.wait_settled(WAIT)
        assert loop.epochs.reported == 4
    finally:
        loop.stop()


def test_a_save_while_the_index_is_made_is_built_without_waiting_for_it(make_site, held_pagefind):
    """Once idle, serve re-makes the search index (seconds for a large shard); a save then stops
    it and is built at once, and the index is made when serve is idle again."""
    root = make_site()
    watcher = Watcher()
    loop = started(root, watcher)
    try:
        assert held_pagefind.running(WAIT), "serve did not start indexing once idle"
        watcher.batches.put({save(root, 1)})
        assert loop.wait_for_build(2, 30), "the save waited for the index"
        assert "opened save 1 of a centre" in shown(root)
        held_pagefind.release()
        deadline = time.monotonic() + WAIT
        while loop.state.unsaved - set(SLOW_TO_WRITE) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert loop.state.unsaved <= set(SLOW_TO_WRITE), "the index was not made once serve was idle again"
        assert len(held_pagefind.runs) >= 2  # the stopped run and the one that finished
        assert (root / "public/pagefind/pagefind-entry.json").is_file()
    finally:
        held_pagefind.release()
        loop.stop()


def test_while_the_first_build_runs_the_watch_neither_builds_nor_does_idle_work(make_site, monkeypatch):
    """The first build runs in start()'s thread, beside the watch, which finds serve idle from
    the start: idle work meanwhile would see no records yet and take the index as made (a
    flaky CI failure: the window was a few milliseconds), and a save meanwhile would be a
    second build on the same state at once. Held here after indexing (the content read), the
    first build is followed by the save's build, then by the index."""
    root = make_site()
    watcher, real, calls = Watcher(), search.index_pages, []

    def slow(*args, **kwargs):
        records = real(*args, **kwargs)
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            watcher.batches.put({save(root, 1)})
            time.sleep(FLUSH_AFTER + 0.5)  # long enough for the watch to look many times
        return records

    monkeypatch.setattr(search, "index_pages", slow)
    loop = started(root, watcher)
    try:
        assert "opened save 1 of a centre" not in shown(root) and len(calls) == 1
        assert loop.wait_for_build(2, WAIT) and "opened save 1 of a centre" in shown(root)
        assert calls == [threading.main_thread().name, loop.thread.name]
        deadline = time.monotonic() + WAIT
        while loop.state.unsaved - set(SLOW_TO_WRITE) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert loop.state.unsaved <= set(SLOW_TO_WRITE), loop.state.unsaved
        assert (root / "public/pagefind/pagefind-entry.json").is_file(), "serve did not make the index once idle"
    finally:
        loop.stop()


def test_pages_a_build_wrote_first_are_served_while_it_runs(make_site):
    """While a build runs, requests wait for it, but for the pages it wrote first (their
    browsers are told to reload) and, when it changes no template, the static files."""
    root = make_site()
    loop = RebuildLoop(options(root), reload=lambda paths: None, log=lambda line: None, changes=Watcher())
    told = []
    loop.reload_showing = told.append
    loop.first_ready(["en/stories/gbsa-centre/index.html"])
    assert told == [["/en/stories/gbsa-centre/index.html", "/en/stories/gbsa-centre/"]]
    assert loop.serves_now("/en/stories/gbsa-centre/") and loop.serves_now("/en/stories/gbsa-centre/index.html")
    assert not loop.serves_now("/en/stories/new-door/") and not loop.serves_now("/static/site.css")
    loop.statics_kept = True
    assert loop.serves_now("/static/site.css") and not loop.serves_now("/en/stories/")


def test_idle_work_in_a_forked_process_ends_at_once_when_a_save_stops_it():
    """parallel.run_apart, which renders the pages a build left for later (build.LaterPages):
    a job nothing could interrupt in a thread ends within a moment of `stop` being set, its
    process killed; without a stop, the results come back in order."""
    assert run_apart(lambda n: n * n, [1, 2, 3], threading.Event()) == [1, 4, 9]
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    begun = time.monotonic()
    assert run_apart(lambda n: time.sleep(n), [60], stop) is None
    assert time.monotonic() - begun < 10
    assert not multiprocessing.active_children()
