"""`serve` in a real browser: edits reach the open page without a manual reload, a broken file
shows its problems over the last good page and a fix clears them, an entity's new name reaches
the stories that name it. (A burst of saves and in-place stylesheet refreshes are tested at the
protocol level, in test_server.py.)

Playwright drives Debian's chromium against `python -m site_builder serve --port 0` started in
a subprocess; every wait is bounded and the server is always stopped.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import PERSON, REPO, STORY_EN, write_files
from sites import browser  # noqa: F401 - the shared chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 10_000  # ms, for any one thing to appear in the page
STORY = "content/stories/gbsa-centre.en.md"
STORY_PATH = "en/stories/gbsa-centre/"


class Serve:
    """`python -m site_builder serve` in `root`, its output lines collected by a thread."""

    def __init__(self, root: Path):
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", "--port", "0"], cwd=root,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self.read, daemon=True).start()
        self.url = re.search(r"at (http://\S+/) ", self.expect(r"^serving .* at http://")).group(1)

    def read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 20) -> str:
        """The next output line matching `pattern`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in time; output so far:\n" + "\n".join(self.seen))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def site(make_site, browser):
    root = make_site()
    server = Serve(root)
    page = browser.new_page()
    page.set_default_timeout(WAIT)
    try:
        yield root, server, page
    finally:
        page.close()
        server.stop()


def open_page(page, url: str) -> None:
    """Go to `url` and wait until livereload.js has connected back to the server."""
    page.goto(url)
    page.wait_for_function("() => (window.LiveReload?.connector?.protocol || 0) >= 7", timeout=WAIT)


def save(root: Path, files: dict) -> float:
    write_files(root, files)
    return time.perf_counter()


def test_an_edit_reaches_the_open_page(site):
    from playwright.sync_api import expect

    root, server, page = site
    open_page(page, server.url + STORY_PATH)
    expect(page.locator("main")).to_contain_text("which opened a centre in", timeout=WAIT)
    page.evaluate("window.notReloaded = true")
    saved = save(root, {STORY: STORY_EN.replace("opened a centre", "opened a freshly edited centre")})
    expect(page.locator("main")).to_contain_text("opened a freshly edited centre", timeout=WAIT)
    print(f"save → new text in the page: {(time.perf_counter() - saved) * 1000:.0f} ms")
    assert page.evaluate("window.notReloaded") is None  # the page itself reloaded
    server.expect(r"gbsa-centre\.en\.md changed: \d+ written")


def test_broken_front_matter_is_shown_then_cleared(site):
    from playwright.sync_api import expect

    root, server, page = site
    open_page(page, server.url + STORY_PATH)
    save(root, {STORY: STORY_EN.replace("title: GBSA opens", "title: [GBSA opens")})
    overlay = page.locator("#serve-problems")
    expect(overlay).to_be_visible(timeout=WAIT)
    expect(overlay).to_contain_text("content/stories/gbsa-centre.en.md:3: YAML syntax error", timeout=WAIT)
    expect(page.locator("h1")).to_contain_text("GBSA opens its first China innovation centre", timeout=WAIT)  # the last good page
    server.expect(r"content/stories/gbsa-centre\.en\.md:3: YAML syntax error")

    save(root, {STORY: STORY_EN.replace("opened a centre", "opened a repaired centre")})
    expect(page.locator("main")).to_contain_text("opened a repaired centre", timeout=WAIT)
    expect(overlay).to_have_count(0, timeout=WAIT)
    server.expect(r"problems fixed")


def test_an_entity_rename_reaches_the_story_that_names_it(site):
    from playwright.sync_api import expect

    root, server, page = site
    open_page(page, server.url + STORY_PATH)
    expect(page.locator("main")).to_contain_text("Kang Sungcheon", timeout=WAIT)
    save(root, {"content/people/kang-sungcheon.yaml": PERSON.replace("Kang Sungcheon", "Kang Sung-cheon")})
    expect(page.locator("main")).to_contain_text("Kang Sung-cheon", timeout=WAIT)
    expect(page.locator("main")).not_to_contain_text("Kang Sungcheon", timeout=WAIT)
