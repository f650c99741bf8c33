"""Built sites, a local HTTP server and the external tools that browser and HTML tests need.

Tools that are not Python packages (Debian's chromium, Java, npm's `axe-core` and `vnu-jar`)
are looked up here; a test that lacks one is skipped on a developer's machine and fails under
CI=true, so a missing install step cannot pass CI by skipping.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import BASE_FILES, REPO, build, write_files

CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
NODE_MODULES = Path(os.environ.get("NODE_MODULES", REPO / ".ci" / "node" / "node_modules"))  # .ci/install puts them here
AXE_JS = Path(os.environ.get("AXE_JS", NODE_MODULES / "axe-core" / "axe.min.js"))
VNU_JAR = Path(os.environ.get("VNU_JAR", NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"))
# The small site of conftest.py is published under this path of its base_url.
SMALL_BASE_PATH = "briefing"


def need(ok: object, why: str) -> None:
    """Skip on a developer's machine, fail in CI, when a tool is missing."""
    if ok:
        return
    if CI:
        pytest.fail(f"{why} (required under CI=true)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, one per test module (its tests open contexts in it).

    A test module uses it by importing it: `from sites import browser  # noqa: F401`.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    need(sync_playwright is not None, "playwright is not installed (pip install -e .[test])")
    need(os.path.exists(CHROMIUM), f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield chromium
        finally:
            chromium.close()


def java() -> str | None:
    return shutil.which("java")


def build_real(root: Path) -> Path:
    """The bundled content/ built with the real templates into root/public."""
    build(root, content=REPO / "content", templates=REPO / "templates")
    return root / "public"


def build_small(root: Path) -> Path:
    """conftest's small site (with an untranslated story) built into root/srv/briefing."""
    write_files(root, BASE_FILES)
    out = root / "srv" / SMALL_BASE_PATH
    out.parent.mkdir(parents=True, exist_ok=True)  # the builder does not make a missing parent (faults.py)
    build(root, templates=REPO / "templates", out=out)
    return out


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve directory on a free 127.0.0.1 port; yields the base URL (ending in '/')."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def richest(path: Path) -> str:
    """The sub-folder whose page is largest: the one that exercises most of its template."""
    pages = [p for p in path.iterdir() if (p / "index.html").is_file()]
    return max(pages, key=lambda p: ((p / "index.html").stat().st_size, p.name)).name


def page_types(public: Path, lang: str = "en") -> dict[str, str]:
    """One URL (relative to the site root) of every kind of page in a language.

    The same pages in every language: chosen by their size in the default one.
    """
    def first(folder: str) -> str:
        return f"{lang}/{folder}/{richest(public / 'en' / folder)}/"

    return {
        "home": f"{lang}/", "archive": f"{lang}/stories/", "story": first("stories"),
        "people": f"{lang}/people/", "person": first("people"),
        "orgs": f"{lang}/orgs/", "org": first("orgs"),
        "places": f"{lang}/places/", "place": first("places"),
        "timeline": f"{lang}/timeline/", "tags": f"{lang}/tags/", "tag": first("tags"), "search": f"{lang}/search/", "data": f"{lang}/data/",
        "not_found": f"{lang}/404.html",
    }
