"""`serve`: the HTTP side. Build (drafts included), serve the output with live reload until
Ctrl-C; rebuilding on every save is rebuild.py's loop, which this module starts and listens to.

- `DevServer` is one session: the sockets, the rebuild loop, the connected browsers and the
  reload epoch (full reloads sent, and when each page was last served, so that a page served
  before a reload whose socket came after it is reloaded too).
- `livereload_app` is the one function that wraps the livereload package: its WebSocket, client
  script and static handler, plus what they lack (Origin and Host checks, no file system paths
  sent, only the output directory served, no dotfiles, charsets, the site's 404 pages), and the
  overlay that shows the last build's problems over the last good page.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import json
import mimetypes
import os
import re
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import tornado
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler, StaticFileHandler
from tornado import httputil, web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.websocket import WebSocketClosedError

from site_builder.build import BuildOptions, shown_path
from site_builder.rebuild import BUILD_WAIT, RebuildLoop

EXIT_OK, EXIT_USAGE = 0, 2
SAFE_TORNADO = (6, 5, 9)  # older StaticFileHandlers follow symlinks out of the served root
LANGUAGE_DIR = re.compile(r"[A-Za-z0-9_-]+")
HEAD_END = b"</head>"
TYPES = {".html": "text/html", ".xml": "application/xml", ".css": "text/css", ".js": "text/javascript",
         ".json": "application/json", ".svg": "image/svg+xml"}  # each with "; charset=utf-8", as text/*
FALLBACK_404 = (b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>"
                b"</head><body><h1>Not found</h1></body></html>")
OVERLAY = ('<script>(function(p){function show(){var d=document.createElement("pre");d.id="serve-problems";'
           'd.lang="en";d.setAttribute("role","alert");d.style.cssText="position:fixed;z-index:2147483647;inset:0 0 '
           'auto;max-height:70vh;overflow:auto;margin:0;padding:1em 1.5em;background:#fff4f4;color:#700;border-bottom:'
           '4px solid #c00;font:14px/1.5 monospace;white-space:pre-wrap";d.textContent=p.length+" problem"+(p.length>1?'
           '"s":"")+" in the last build; this is the last good page, and a saved fix reloads it.\\n\\n"+p.join("\\n");'
           'document.body.appendChild(d)}document.body?show():addEventListener("DOMContentLoaded",show)})(PROBLEMS)</script>')


def serve(content: Path, templates: Path, out: Path, host: str = "127.0.0.1", port: int = 8000, *,
          base_url: str | None = None, verbosity: int = 0, open_browser: bool = False) -> int:
    """Build with drafts, serve `out` with live reload until Ctrl-C; returns the exit code.

    verbosity: -1 only problems, 1 also each stage's time and every page written;
    `open_browser`: the default browser (webbrowser) opens the site once the first build is done."""
    if tornado.version_info < SAFE_TORNADO:  # pinned in pyproject.toml too; this catches old environments
        print(f"error: serve needs tornado >= 6.5.9, found {tornado.version}, which follows symlinks out of "
              "the served directory; upgrade it", file=sys.stderr)
        return EXIT_USAGE
    try:
        server = DevServer(BuildOptions(content, templates, out, drafts=True, base_url=base_url), host, port)
        server.rebuilds.verbosity = verbosity
    except (OSError, OverflowError) as bad:
        print(f"error: cannot listen on {host}:{port}: {listen_failure(bad, port)}", file=sys.stderr)
        return EXIT_USAGE
    if not server.loopback:
        print(f"warning: {host} is not a loopback address: anyone who can reach this machine on port "
              f"{server.port} can read the site, drafts included", file=sys.stderr)
    server.start()

    def interrupt(signum, frame) -> None:
        if server.stopped.is_set():  # a second Ctrl-C does not wait for the build to finish
            raise KeyboardInterrupt
        server.stop()

    previous = signal.signal(signal.SIGINT, interrupt)  # stop between two builds, not inside one
    if verbosity >= 0:
        server.log(f"serving {shown_path(out)} at {server.url} (drafts included); Ctrl-C to stop")
    if open_browser:  # in a thread: a text-mode browser would hold this one
        threading.Thread(target=open_page, args=(server.url,), name="serve-open", daemon=True).start()
    try:
        asyncio.run(server.run())
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
    if verbosity >= 0:
        server.log("stopped")
    return EXIT_OK


def open_page(url: str) -> None:
    if not webbrowser.open(url):
        print(f"warning: found no browser to open; the site is at {url}", file=sys.stderr, flush=True)


def listen_failure(bad: Exception, port: int) -> str:
    if isinstance(bad, socket.gaierror):
        return f"unknown host ({bad.strerror})"
    return {errno.EADDRINUSE: f"port {port} is already in use (is another serve running?); choose another with --port",
            errno.EACCES: "permission denied (ports below 1024 need privileges); choose another with --port",
            }.get(getattr(bad, "errno", None)) or getattr(bad, "strerror", None) or str(bad)


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback one (127.0.0.0/8, ::1)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)} if host else set()
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


class DevServer:
    """One `serve` session: sockets, the rebuild thread's results, the connected browsers."""

    def __init__(self, options: BuildOptions, host: str, port: int,
                 log: Callable[[str], None] = functools.partial(print, flush=True)):
        self.options, self.host, self.log = options, host, log
        self.sockets = bind_sockets(port, host)  # first, so a busy port fails before any build
        self.port = self.sockets[0].getsockname()[1]
        self.root = options.out.resolve()
        self.loopback = is_loopback(host)
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"
        self.rebuilds = RebuildLoop(options, self.reload, log)
        self.rebuilds.reload_showing = self.reload_showing
        self.rebuilds.url = self.url
        self.browsers: set[LiveSocket] = set()  # these three are touched only on the event loop:
        self.reloads = 0  # full reloads sent so far: the reload epoch
        self.served: dict[str, int] = {}  # page path → `reloads` when it was last served
        self.pages: dict[LiveSocket, str] = {}  # the page path each browser shows
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def host_allowed(self, name: str) -> bool:
        """Any Host name when bound beyond loopback; else only loopback names and addresses."""
        name = name.strip("[]").rstrip(".").lower()
        if not self.loopback or name in ("localhost", self.host.lower()) or name.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    # The rebuild loop (rebuild.py) -----------------------------------------------------------
    problems = property(lambda self: self.rebuilds.problems, doc="the last build's, shown over every page")
    builds = property(lambda self: self.rebuilds.epochs.reported, doc="builds finished and reported")
    stopped = property(lambda self: self.rebuilds.stopped)

    def start(self) -> None:
        """Start watching, then build once; problems are shown, not fatal."""
        self.rebuilds.start()

    def wait_for_build(self, count: int, timeout: float) -> bool:
        """True once `count` builds have finished, the first included (for tests and tools)."""
        return self.rebuilds.wait_for_build(count, timeout)

    def reload(self, paths: list[str]) -> None:
        """From any thread: ask every browser to reload (a site path of CSS or images is refreshed in place)."""
        loop = self.loop
        if paths and loop is not None:
            loop.call_soon_threadsafe(self.send_reload, paths)

    def reload_showing(self, paths: list[str]) -> None:
        """From any thread: ask the browsers showing one of these page paths to reload."""
        def send() -> None:
            showing = [browser for browser, shown in self.pages.items() if shown in paths]
            if showing:  # (none given means every browser to send_reload)
                self.send_reload(["*"], showing)

        if paths and self.loop is not None:
            self.loop.call_soon_threadsafe(send)

    def send_reload(self, paths: list[str], browsers: Iterable[LiveSocket] = ()) -> None:
        if "*" in paths and not browsers:
            self.reloads += 1
        for browser in list(browsers or self.browsers):
            for path in paths:  # a site path or '*', never a file system path
                try:
                    browser.write_message(json.dumps({"command": "reload", "path": path,
                                                      "liveCSS": True, "liveImg": True}))
                except WebSocketClosedError:
                    self.browsers.discard(browser)

    def joined(self, browser: LiveSocket, url: str) -> None:
        """A page served before the last reload whose socket came after it (its stylesheet was
        held by a build, say) would never learn of it: reload it now."""
        self.browsers.add(browser)
        self.pages[browser] = urlsplit(url).path
        self.rebuilds.shown = frozenset(self.pages.values())  # read by the rebuild thread
        if self.served.get(urlsplit(url).path, self.reloads) < self.reloads:
            self.send_reload(["*"], [browser])

    def left(self, browser: LiveSocket) -> None:
        self.browsers.discard(browser)
        self.pages.pop(browser, None)
        self.rebuilds.shown = frozenset(self.pages.values())

    # The event loop -------------------------------------------------------------------------
    async def run(self) -> None:
        """Serve until `stop()`, watching the sources in a thread meanwhile."""
        self._stop = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        if self.stopped.is_set():
            return
        http = HTTPServer(livereload_app(self))
        http.add_sockets(self.sockets)
        try:
            await self._stop.wait()
        finally:
            self.stopped.set()
            http.stop()
            for browser in list(self.browsers):
                browser.close()
            await asyncio.wait([asyncio.ensure_future(http.close_all_connections())], timeout=2)
            self.rebuilds.stop(BUILD_WAIT)

    def stop(self) -> None:
        """From any thread: stop serving and watching."""
        self.stopped.set()
        loop, event = self.loop, self._stop
        if loop is not None and event is not None:
            loop.call_soon_threadsafe(event.set)

    def log_request(self, handler: web.RequestHandler) -> None:
        if handler.get_status() >= 500:  # refusals and 404s are answered, not logged
            self.log(f"{handler.get_status()} {handler.request.method} {handler.request.path}")


# The livereload package, made safe -------------------------------------------------------------
def livereload_app(server: DevServer) -> web.Application:
    """livereload's handlers behind our checks, serving only `server.root`.

    Not `livereload.Server`: its `application()` hard-wires a WebSocket that accepts any
    Origin and a GET /forcereload that any page can trigger, and its `serve()` starts the
    3-second-deaf watcher (on the working directory when nothing is watched).
    """
    return HostChecked(
        [(r"/livereload", LiveSocket), (r"/livereload\.js", LiveScript),
         (r"/(.*)", SiteFiles, {"path": str(server.root), "default_filename": "index.html"})],
        transforms=[functools.partial(InjectClient, server=server)],
        log_function=server.log_request,
        websocket_max_message_size=64 * 1024,
        server=server,
    )


class HostChecked(web.Application):
    """Bound to loopback, every route refuses other Host names (a DNS-rebinding page sends its own)."""

    def find_handler(self, request, **kwargs):
        if not self.settings["server"].host_allowed(request.host_name):
            return self.get_handler_delegate(request, web.ErrorHandler, {"status_code": 403})
        return super().find_handler(request, **kwargs)


class LiveSocket(LiveReloadHandler):
    """livereload's protocol, for same-origin pages of this server only."""

    server = property(lambda self: self.settings["server"])

    def check_origin(self, origin: str) -> bool:
        # tornado asks only about requests that look cross-origin; livereload says yes to all.
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == self.request.host.lower()

    def on_message(self, message: str | bytes) -> None:
        try:
            super().on_message(message)  # livereload's handshake, which joins its class-wide set
        except (ValueError, TypeError, AttributeError):  # not livereload's protocol
            self.close()
        if self in LiveReloadHandler.waiters:  # ... moved to this server's own set
            LiveReloadHandler.waiters.discard(self)
            self.server.joined(self, str(json.loads(message).get("url", "")))

    def on_close(self) -> None:
        self.server.left(self)


class LiveScript(LiveReloadJSHandler):
    def get(self) -> None:
        super().get()
        self.set_header("Content-Type", content_type("livereload.js"))  # with a charset
        self.set_header("Cache-Control", "no-store")


class SiteFiles(StaticFileHandler):
    """livereload's static handler (never a 304), fenced into the output directory.

    Symlinks out of it are refused by tornado >= 6.5.9 itself (`validate_absolute_path`).
    """

    server = property(lambda self: self.settings["server"])

    async def prepare(self) -> None:
        rebuilds = self.server.rebuilds
        if not rebuilds.epochs.settled() and not rebuilds.serves_now(self.request.path):
            # a build is moving files in: wait for the whole site
            await asyncio.get_running_loop().run_in_executor(None, rebuilds.wait_settled, BUILD_WAIT)

    def parse_url_path(self, url_path: str) -> str:
        # tornado has decoded %xx once; what is left is a path of plain segments or refused.
        parts = url_path.split("/")
        if "\0" in url_path or "\\" in url_path or "" in parts[:-1] or any(p.startswith(".") for p in parts):
            raise web.HTTPError(404)
        return super().parse_url_path(url_path)

    def get_content_type(self) -> str:
        return content_type(self.absolute_path or "")

    def compute_etag(self) -> None:
        return None  # nothing is cached; livereload's version cache stores hashes and mtimes crosswise

    def get_cache_time(self, path: str, modified, mime_type: str) -> int:
        return 0

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def log_exception(self, typ, value, tb) -> None:
        if not isinstance(value, web.HTTPError):
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs) -> None:
        if status_code not in (403, 404):  # a path refused is a page that does not exist
            return super().write_error(status_code, **kwargs)
        self.set_status(404)
        self.set_header("Content-Type", content_type("404.html"))
        self.set_header("Cache-Control", "no-store")
        self.finish(not_found_page(self.server.root, self.request.path) or FALLBACK_404)


def content_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    found = TYPES.get(ext) or mimetypes.guess_type("x" + ext)[0] or "application/octet-stream"
    return found + "; charset=utf-8" if found.startswith("text/") or ext in TYPES else found


def not_found_page(root: Path, url_path: str) -> bytes | None:
    """The site's 404 page for the language the path starts with, else the root one."""
    first = url_path.lstrip("/").split("/", 1)[0]
    names = [f"{first}/404.html"] if LANGUAGE_DIR.fullmatch(first) else []
    for name in names + ["404.html"]:
        page = root / name
        if page.is_file() and page.resolve().is_relative_to(root.resolve()):
            return page.read_bytes()
    return None


class InjectClient(web.OutputTransform):
    """Adds livereload's client, and the last build's problems, to every HTML page served."""

    def __init__(self, request, server: DevServer):
        super().__init__(request)
        self.request, self.server = request, server

    def transform_first_chunk(self, status_code, headers, chunk: bytes, finishing: bool):
        if status_code not in (200, 404) or not headers.get("Content-Type", "").startswith("text/html"):
            return status_code, headers, chunk
        head_only = self.request.method == "HEAD" and not chunk
        if HEAD_END in chunk or head_only:
            self.server.served[self.request.path] = self.server.reloads
            port = httputil.split_host_and_port(self.request.host)[1] or 80  # as the browser sees it
            snippet = client_snippet(self.server.problems, port)
            chunk = chunk.replace(HEAD_END, snippet + HEAD_END, 1)
            if "Content-Length" in headers:
                headers["Content-Length"] = str(int(headers["Content-Length"]) + len(snippet))
        return status_code, headers, chunk


def client_snippet(problems: tuple[str, ...], port: int) -> bytes:
    client = f'<script src="/livereload.js?port={port}"></script>'
    if not problems:
        return client.encode()
    data = json.dumps(list(problems), ensure_ascii=False).replace("<", "\\u003c")  # no </script> inside
    return (client + OVERLAY.replace("PROBLEMS", data)).encode()
