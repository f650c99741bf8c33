"""`serve` with a raw client: nothing outside the output is served, the site's 404 pages and
charsets, Host and Origin checks, debounced rebuilds that end on the last edit, problems shown
in the page, and served output equal to a clean build after each kind of edit.

The server runs in a thread on a free port (`DevServer` binds port 0); the command line's own
behaviour (busy port, non-loopback warning) is tested in a subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from conftest import BASE_FILES, PERSON, REPO, STORY_EN, TEMPLATES, clean_tree, options, tree, write_files
from site_builder import rebuild
from site_builder.build import build
from site_builder.state import SLOW_TO_WRITE
from site_builder.server import DevServer, client_snippet

TIMEOUT = 10
SECRET = b"TOPSECRET"
STORY = "content/stories/gbsa-centre.en.md"
STORY_URL = "/en/stories/gbsa-centre/"


@contextmanager
def running(root: Path, host: str = "127.0.0.1", **overrides):
    """A DevServer on a free port, in a thread, always stopped; its terminal lines in .lines."""
    lines: list[str] = []
    server = DevServer(options(root, drafts=True, **overrides), host, 0, log=lines.append)
    server.lines = lines
    thread = threading.Thread(target=asyncio.run, args=(server.run(),), daemon=True)
    try:
        server.start()
        thread.start()
        yield server
    finally:
        server.stop()
        if thread.is_alive():
            thread.join(TIMEOUT)
        for sock in server.sockets:
            sock.close()
    assert not thread.is_alive(), "the server did not stop"


@pytest.fixture
def served(make_site):
    root = make_site()
    with running(root) as server:
        yield root, server


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One server for the tests that only read: the base site, not to be edited."""
    root = tmp_path_factory.mktemp("shared") / "site"
    shutil.copytree(TEMPLATES, root / "templates", ignore=shutil.ignore_patterns("*.mo"))
    write_files(root, BASE_FILES)
    with running(root) as server:
        yield root, server


def raw(port: int, target: bytes, host: bytes | None = None, headers: bytes = b"") -> tuple[int, bytes, bytes]:
    """Send one GET with the request target exactly as given; (status, head, body)."""
    host = b"127.0.0.1:%d" % port if host is None else host
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n"
                     + headers + b"\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return (int(head.split()[1]) if head else 0), head, body


def get(server: DevServer, path: str) -> tuple[int, bytes, bytes]:
    return raw(server.port, path.encode())


def header(head: bytes, name: str) -> str:
    found = re.search(rb"(?im)^" + name.encode() + rb":\s*(.*?)\r?$", head)
    return found.group(1).decode() if found else ""


def edit(server: DevServer, root: Path, files: dict) -> None:
    """Change source files the way an editor does and wait for the rebuild."""
    count = server.builds
    write_files(root, files)
    assert server.wait_for_build(count + 1, TIMEOUT), "no rebuild after the edit"


def settled(server: DevServer, timeout: float = 6 * TIMEOUT) -> bool:
    """Wait until serve, idle, has brought everything deferred up to date (the search index,
    re-made once edits settle, then the records on disk)."""
    deadline = time.monotonic() + timeout
    while server.rebuilds.state.unsaved - set(SLOW_TO_WRITE):  # the snapshot waits for the end
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# Nothing outside the output ------------------------------------------------------------------
TRAVERSALS = [
    b"/../secret.txt", b"/en/../../secret.txt", b"/%2e%2e/secret.txt", b"/%2E%2E/%2e%2e/secret.txt",
    b"/..%2fsecret.txt", b"/en/..%2f..%2fsecret.txt", b"/%252e%252e/secret.txt", b"/%252e%252e%252fsecret.txt",
    b"//etc/passwd", b"/%2fetc/passwd", b"//etc/passwd%00", b"/..\\secret.txt", b"/%5c..%5csecret.txt",
    b"/en\\..\\..\\secret.txt", b"/.git/config", b"/%2egit/config", b"/.env", b"/en/.hidden.html",
    b"/leak.txt", b"/leakdir/secret.txt", b"/secret.txt%00.html",
    b"/en/index.html%00", b"/en/%00", b"http://127.0.0.1/../secret.txt", b"http://evil.example/.git/config",
    b"/%c0%ae%c0%ae/secret.txt", b"/sec\x00ret.txt",
]


def test_nothing_outside_the_output_is_served(shared):
    root, server = shared
    (root / "secret.txt").write_bytes(SECRET + b" outside")
    (root / "public/.git").mkdir()
    (root / "public/.git/config").write_bytes(SECRET + b" git")
    (root / "public/.env").write_bytes(SECRET + b" env")
    (root / "public/en/.hidden.html").write_bytes(SECRET + b" hidden")
    os.symlink(root / "secret.txt", root / "public/leak.txt")
    os.symlink(root, root / "public/leakdir")
    for target in TRAVERSALS:
        status, head, body = raw(server.port, target)
        assert status in (403, 404) or (status == 400 and (b"\0" in target or b"%c0" in target)), (target, status)
        assert SECRET not in body and b"root:" not in body, target
    assert get(server, "/")[0] == 200


def test_content_types_carry_a_charset(shared):
    _, server = shared
    for path, expected in [("/en/", "text/html; charset=utf-8"), ("/sitemap.xml", "application/xml; charset=utf-8"),
                           ("/en/feed.xml", "application/xml; charset=utf-8"),
                           ("/static/site.css", "text/css; charset=utf-8"),
                           ("/static/site.js", "text/javascript; charset=utf-8"),
                           ("/livereload.js", "text/javascript; charset=utf-8")]:
        status, head, _ = get(server, path)
        assert (status, header(head, "Content-Type")) == (200, expected), path
        assert header(head, "X-Content-Type-Options") == "nosniff" or path == "/livereload.js"


def test_missing_pages_get_the_sites_404_page(shared):
    root, server = shared
    for path, page in [("/en/no-such-page/", "en/404.html"), ("/zh/stories/nope", "zh/404.html"),
                       ("/nope.html", "404.html"), ("/xx/nope", "404.html"), ("/.git/config", "404.html")]:
        status, head, body = get(server, path)
        assert status == 404, path
        assert header(head, "Content-Type") == "text/html; charset=utf-8"
        assert body == (root / "public" / page).read_bytes().replace(b"</head>", client_snippet((), server.port) + b"</head>", 1), path


def test_directories_redirect_and_serve_their_index(shared):
    root, server = shared
    status, head, _ = get(server, "/en/stories")
    assert status == 301 and header(head, "Location") == "/en/stories/"
    status, head, body = get(server, "/en/stories/")
    assert status == 200 and body.count(b"/livereload.js") == 1
    assert body.replace(client_snippet((), server.port), b"") == (root / "public/en/stories/index.html").read_bytes()
    assert int(header(head, "Content-Length")) == len(body)


def test_head_announces_the_length_get_sends(shared):
    _, server = shared
    for path in ["/en/", "/en/no-such-page/", "/static/site.css"]:
        _, get_head, body = get(server, path)
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as conn:
            conn.sendall(b"HEAD %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % (path.encode(), server.port))
            head = conn.recv(65536)
        assert int(header(head, "Content-Length")) == len(body) == int(header(get_head, "Content-Length")), path


def test_an_old_tornado_is_refused(make_site, monkeypatch, capsys):
    import tornado

    from site_builder.server import serve

    root = make_site()
    monkeypatch.setattr(tornado, "version_info", (6, 5, 8, 0))
    assert serve(root / "content", root / "templates", root / "public", "127.0.0.1", 0) == 2
    assert "error: serve needs tornado >= 6.5.9" in capsys.readouterr().err
    assert not (root / "public").exists()


def test_only_loopback_host_names_are_answered(shared):
    _, server = shared
    for host in [b"evil.example", b"evil.example:%d" % server.port, b"192.168.1.20", b"localhost.evil.example"]:
        status, _, body = raw(server.port, b"/en/", host=host)
        assert status == 403 and b"<html lang" not in body, host
        assert raw(server.port, b"/livereload.js", host=host)[0] == 403
        assert ws_handshake(server.port, host=host, origin=b"http://" + host)[0] == 403
    for host in [b"127.0.0.1:%d" % server.port, b"localhost:%d" % server.port, b"[::1]:%d" % server.port,
                 b"app.localhost", b"127.0.0.2"]:
        assert raw(server.port, b"/en/", host=host)[0] == 200, host


def ws_handshake(port: int, origin: bytes | None, host: bytes = b"127.0.0.1", extra: bytes = b"") -> tuple[int, bytes]:
    key = base64.b64encode(os.urandom(16))
    request = (b"GET /livereload HTTP/1.1\r\nHost: " + host + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n"
               + (b"Origin: " + origin + b"\r\n" if origin else b"") + extra + b"\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head and (chunk := conn.recv(4096)):
            head += chunk
    return int(head.split()[1]), head


def test_reload_socket_accepts_only_same_origin(shared):
    _, server = shared
    here = b"127.0.0.1:%d" % server.port
    assert ws_handshake(server.port, b"http://" + here, host=here)[0] == 101
    assert ws_handshake(server.port, b"http://" + here, host=here, extra=b"Sec-Fetch-Site: same-origin\r\n")[0] == 101
    for origin, extra in [(b"http://evil.example", b""), (b"http://evil.example", b"Sec-Fetch-Site: cross-site\r\n"),
                          (b"http://127.0.0.1:1", b"Sec-Fetch-Site: same-site\r\n"), (b"null", b""),
                          (b"http://localhost:%d" % server.port, b"")]:
        assert ws_handshake(server.port, origin, host=here, extra=extra)[0] == 403, origin


# Rebuilds and reloads ---------------------------------------------------------------------------
class Browser:
    """A livereload client: connects like livereload.js and records the reload messages."""

    def __init__(self, server: DevServer, page: str = "/"):
        self.server, self.page, self.messages = server, page, []

    async def __aenter__(self):
        origin = f"http://127.0.0.1:{self.server.port}"
        self.conn = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{self.server.port}/livereload",
                                                        headers={"Origin": origin}, connect_timeout=TIMEOUT))
        await self.conn.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        hello = json.loads(await asyncio.wait_for(self.conn.read_message(), TIMEOUT))
        assert hello["command"] == "hello"
        await self.conn.write_message(json.dumps({"command": "info", "url": origin + self.page + "?x#y", "plugins": {}}))
        for _ in range(200):
            if any(b.ws_connection and not b.ws_connection.is_closing() for b in self.server.browsers):
                return self
            await asyncio.sleep(0.01)
        raise AssertionError("the browser was not registered")

    async def __aexit__(self, *exc):
        self.conn.close()

    async def listen(self, quiet: float = 0.6) -> list[dict]:
        """Reload messages until none came for `quiet` seconds."""
        while True:
            try:
                message = await asyncio.wait_for(self.conn.read_message(), quiet)
            except asyncio.TimeoutError:
                return self.messages
            assert message is not None, "the server closed the socket"
            self.messages.append(json.loads(message))


def test_five_quick_saves_end_on_the_last(served):
    """The promise, whatever the machine's speed: the last save is what is served and what
    the browser was told to reload for, and every rebuild reported it. How many rebuilds the
    burst takes depends on how fast it was saved here; test_rebuild_loop.py counts them with
    the watcher's reports injected."""
    root, server = served

    async def scenario():
        async with Browser(server) as browser:
            count = server.builds
            for n in range(1, 6):
                write_files(root, {STORY: STORY_EN.replace("opened a centre", f"opened version {n} of a centre")})
                await asyncio.sleep(0.002)  # an editor's save in steps, or a script: one burst
            for _ in range(int(TIMEOUT / 0.05)):
                if server.builds > count:
                    break
                await asyncio.sleep(0.05)
            messages = await browser.listen()
            return count, messages

    count, messages = asyncio.run(asyncio.wait_for(scenario(), 3 * TIMEOUT))
    rebuilds = server.builds - count
    assert 1 <= rebuilds <= 5
    assert messages and all(m == {"command": "reload", "path": "*", "liveCSS": True, "liveImg": True} for m in messages)
    assert b"opened version 5 of a centre" in get(server, STORY_URL)[2]
    changed = [line for line in server.lines if "gbsa-centre.en.md changed" in line]
    line = re.compile(r"\d\d:\d\d:\d\d content/stories/gbsa-centre.en.md changed: (\d+) written, 0 removed of \d+ pages in \d+ ms$")
    found = [line.search(text) for text in changed]
    assert len(changed) == rebuilds and all(found), changed
    assert int(found[0][1]) >= 1, changed  # a later rebuild may find the last save built already


def test_a_save_right_after_a_reload_still_reaches_the_browser(served):
    root, server = served

    async def scenario():
        async with Browser(server) as browser:
            for n in (1, 2, 3):
                count = server.builds
                write_files(root, {STORY: STORY_EN.replace("opened a centre", f"opened edit {n} of a centre")})
                for _ in range(int(TIMEOUT / 0.02)):
                    if server.builds > count:
                        break
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.3)  # well inside livereload's 3 s deaf period
            return await browser.listen()

    messages = asyncio.run(asyncio.wait_for(scenario(), 3 * TIMEOUT))
    assert [m["path"] for m in messages] == ["*", "*", "*"]
    assert b"opened edit 3 of a centre" in get(server, STORY_URL)[2]


def test_a_page_whose_socket_comes_after_the_reload_still_reloads(served):
    root, server = served
    assert get(server, STORY_URL)[0] == 200  # the page is served, its socket not yet open ...
    edit(server, root, {STORY: STORY_EN.replace("opened a centre", "opened a later centre")})  # ... at the reload

    async def connect(page: str) -> list[dict]:
        async with Browser(server, page) as browser:
            return await browser.listen(quiet=0.3)

    assert [m["path"] for m in asyncio.run(connect(STORY_URL))] == ["*"]
    assert b"opened a later centre" in get(server, STORY_URL)[2]  # what the reload fetches
    assert asyncio.run(connect(STORY_URL)) == []
    assert asyncio.run(connect("/en/never-served/")) == []


def test_a_stylesheet_change_is_refreshed_in_place(served):
    root, server = served
    css = (root / "templates/static/site.css").read_text(encoding="utf-8")

    async def scenario():
        async with Browser(server) as browser:
            write_files(root, {"templates/static/site.css": css + "\nbody { outline: 1px solid red; }\n"})
            return await browser.listen(quiet=1.0)

    messages = asyncio.run(asyncio.wait_for(scenario(), 3 * TIMEOUT))
    assert [m["path"] for m in messages] == ["/static/site.css"]
    assert all(str(root) not in json.dumps(m) for m in messages)


def test_broken_content_is_shown_and_the_last_good_site_stays(served):
    root, server = served
    good = (root / "public/en/stories/gbsa-centre/index.html").read_bytes()
    edit(server, root, {STORY: STORY_EN.replace("date: 2024-05-09", "date: 2024-05-32")})
    problem = "content/stories/gbsa-centre.en.md:3: date: impossible date '2024-05-32'"
    assert server.problems == (problem,)
    assert "  " + problem in server.lines
    status, _, body = get(server, STORY_URL)
    assert status == 200
    assert json.dumps([problem]).encode() in body
    assert body.replace(client_snippet(server.problems, server.port), b"") == good
    status, _, body = get(server, "/en/no-such-page/")
    assert status == 404 and json.dumps([problem]).encode() in body

    edit(server, root, {STORY: STORY_EN.replace("opened a centre", "opened a fixed centre")})
    assert server.problems == ()
    body = get(server, STORY_URL)[2]
    assert b"opened a fixed centre" in body and json.dumps([problem]).encode() not in body


def test_an_engine_crash_is_shown_and_serving_goes_on(served, monkeypatch):
    import site_builder.rebuild as server_module  # the rebuild loop calls build()

    root, server = served

    def crash(options, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(server_module, "build", crash)
    edit(server, root, {STORY: STORY_EN.replace("opened a centre", "opened a crashing centre")})
    assert server.problems == ("internal error while building: RuntimeError: boom (traceback in the terminal)",)
    assert any(line.startswith("Traceback") for line in server.lines)
    assert get(server, STORY_URL)[0] == 200
    monkeypatch.setattr(server_module, "build", build)
    edit(server, root, {STORY: STORY_EN.replace("opened a centre", "opened a mended centre")})
    assert server.problems == () and b"opened a mended centre" in get(server, STORY_URL)[2]


def test_problems_cannot_break_out_of_the_overlay_script(served):
    root, server = served
    edit(server, root, {STORY: STORY_EN.replace("tags: [innovation]", "tags: [</script><script>alert(1)</script>]")})
    assert server.problems
    body = get(server, STORY_URL)[2]
    assert b"<script>alert(1)" not in body and body.count(b"</script>") == (root / "public" / STORY_URL.strip("/") / "index.html").read_bytes().count(b"</script>") + 2


# The engine's own tests cover every kind of edit; through serve, one of each watched source.
EDITS = [
    ("body", {STORY: STORY_EN.replace("opened a centre", "opened a brand-new centre")}),
    ("entity list", {STORY: STORY_EN.replace("places: [chongqing]\ntags", "places: [chongqing, gyeonggi]\ntags")}),
    ("entity file", {"content/people/kang-sungcheon.yaml": PERSON.replace("Kang Sungcheon", "Kang Sung-cheon")}),
    ("renamed file", {"content/stories/new-door.en.md": None, "content/stories/door-renamed.en.md": "RENAMED"}),
    ("template", {"templates/story.html": "TEMPLATE"}),
    ("catalog", {"templates/locale/zh/LC_MESSAGES/messages.po": "CATALOG"}),
]


def test_served_output_equals_a_clean_build_after_each_kind_of_edit(served):
    root, server = served
    old_door = (root / "content/stories/new-door.en.md").read_text(encoding="utf-8")
    fills = {
        "RENAMED": old_door,
        "TEMPLATE": (root / "templates/story.html").read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}<p class=\"edited\">edited</p>", 1),
        "CATALOG": (root / "templates/locale/zh/LC_MESSAGES/messages.po").read_text(encoding="utf-8").replace(
            'msgstr "报道"', 'msgstr "新闻报道"'),
    }
    for kind, files in EDITS:
        files = {name: fills.get(text, text) if isinstance(text, str) else text for name, text in files.items()}
        edit(server, root, files)
        assert server.problems == (), (kind, server.problems)
        assert settled(server), (kind, "serve never became idle")  # the search index follows once idle
        served_tree = tree(root / "public")
        clean = clean_tree(root, root.parent / "clean", drafts=True, cache_dir=None)
        assert sorted(served_tree) == sorted(clean), kind
        assert [name for name in clean if served_tree[name] != clean[name]] == [], kind
    clean_out = root.parent / "clean/public"
    status, _, body = get(server, STORY_URL)
    assert status == 200 and body.replace(client_snippet((), server.port), b"") == (clean_out / "en/stories/gbsa-centre/index.html").read_bytes()
    assert "Kang Sung-cheon" in body.decode() and b'class="edited"' in body
    assert "新闻报道" in (clean_out / "zh/index.html").read_text("utf-8")
    assert "door-renamed/index.html" in " ".join(clean) and "en/stories/new-door/index.html" not in clean


def test_an_unchanged_output_sends_no_reload(served):
    root, server = served

    async def scenario():
        async with Browser(server) as browser:
            count = server.builds
            (root / "content/places/china.yaml").touch()
            for _ in range(int(TIMEOUT / 0.05)):
                if server.builds > count:
                    break
                await asyncio.sleep(0.05)
            return await browser.listen()

    assert asyncio.run(asyncio.wait_for(scenario(), 3 * TIMEOUT)) == []
    assert "0 written, 0 removed" in [line for line in server.lines if not line.startswith("  ")][-1]


# The command line -----------------------------------------------------------------------------
def run_serve(root: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-m", "site_builder", "serve", *args], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_busy_port_is_a_clear_usage_error(make_site):
    root = make_site()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_serve(root, "--port", str(port))
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            proc.kill()
    assert proc.returncode == 2
    assert f"error: cannot listen on 127.0.0.1:{port}: port {port} is already in use" in err
    assert "Traceback" not in err + out and not (root / "public").exists()


def test_a_non_loopback_host_is_served_with_a_warning(make_site):
    root = make_site()
    proc = run_serve(root, "--host", "0.0.0.0", "--port", "0")
    try:
        warning = proc.stderr.readline()
        started = ""
        while "serving " not in started and (line := proc.stdout.readline()):  # after the first build's lines
            started += line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert warning.startswith("warning: 0.0.0.0 is not a loopback address: anyone who can reach this machine")
    assert re.search(r"serving public at http://0\.0\.0\.0:\d+/ \(drafts included\)", started)
    assert proc.returncode == 0 and "Traceback" not in err and "stopped" in out


def test_the_first_build_may_fail_and_serving_goes_on(make_site):
    root = make_site({STORY: STORY_EN.replace("orgs: [gbsa]", "orgs: [gbsaa]")})
    with running(root) as server:
        assert server.problems and "content/stories/gbsa-centre.en.md:" in server.problems[0]
        status, _, body = get(server, "/en/")
        assert status == 404 and b"Not found" in body and b"gbsaa" in body
        edit(server, root, {STORY: STORY_EN})
        assert server.problems == () and get(server, STORY_URL)[0] == 200


def test_page_records_reach_disk_once_idle(served):
    """serve keeps the model and page records in memory; when saves stop, it writes the
    records, and once idle for SNAPSHOT_AFTER the model's snapshot too (the next `build` in a
    new process then renders only what changed)."""
    root, server = served
    edit(server, root, {STORY: STORY_EN.replace("opened a centre", "opened an idle centre")})
    assert not list((root / ".cache").glob("pages-*.pickle")), "records on disk while newer ones are in memory"
    saved = time.monotonic()
    for _ in range(int((TIMEOUT + rebuild.SNAPSHOT_AFTER) / 0.05)):
        if list((root / ".cache").glob("site-*.pickle")):
            break
        time.sleep(0.05)
    assert list((root / ".cache").glob("pages-*.pickle")) and list((root / ".cache").glob("site-*.pickle"))
    assert time.monotonic() - saved >= rebuild.SNAPSHOT_AFTER - 1  # not before: pickling it takes seconds at scale
