"""What a reader's first search downloads, measured in chromium over a built site.

    python benchmarks/search_download.py PUBLIC [--lang zh] [--query 重庆] [--page PATH]

Serves PUBLIC on 127.0.0.1, opens a story page (the first one, or --page), records what it
loads before anyone searches, then focuses the header's box, types the query, waits for the
results and records everything loaded since, by kind of file (bytes as sent: the test server
does not compress, so these are the files' sizes; Pagefind's index files are gzipped
already, its JS and WebAssembly are not). Nothing is cached between the two phases' first loads.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

KINDS = [("search.js", r"/static/search\.js$"), ("Pagefind JS", r"/pagefind/pagefind(-worker)?\.js$"),
         ("Pagefind WebAssembly", r"\.pagefind$"), ("entry + metadata", r"(pagefind-entry\.json|\.pf_meta)$"),
         ("names list", r"/names\.\w+\.\d+\.json$"), ("index chunks", r"\.pf_index$"), ("filters", r"\.pf_filter$"),
         ("result fragments", r"\.pf_fragment$")]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def kind_of(url: str) -> str:
    url = url.split("?", 1)[0]
    return next((name for name, pattern in KINDS if re.search(pattern, url)), "other: " + url.rsplit("/", 1)[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("public", type=Path)
    ap.add_argument("--lang", default="en")
    ap.add_argument("--query", default="Chongqing")
    ap.add_argument("--page", help="site path of the page to search from (default: the first story)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--list", action="store_true", help="also list every file")
    args = ap.parse_args(argv)
    page_path = args.page or next(p for p in sorted((args.public / args.lang / "stories").iterdir())
                                  if (p / "index.html").is_file()).relative_to(args.public).as_posix() + "/"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(args.public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    loaded: list[tuple[str, int]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page()
        # sizes of the files served (a worker's response body is not measured by the browser)
        on_disk = lambda url: (args.public / url[len(base):].split("?", 1)[0]).stat().st_size  # noqa: E731
        tab.on("requestfinished", lambda r: loaded.append((r.url, on_disk(r.url))))
        tab.goto(base + page_path)
        tab.wait_for_load_state("networkidle")
        before = [(url, size) for url, size in loaded if url.endswith((".css", ".js"))]
        loaded.clear()
        tab.focus("#site-search-q")
        tab.keyboard.type(args.query)
        tab.wait_for_selector("#site-search-popup .search-option")
        tab.wait_for_load_state("networkidle")
        shown = tab.locator("#site-search-popup .search-option").count() - 1
        browser.close()
    server.shutdown()
    print(f"page: {page_path}; before any search, CSS+JS: {sum(s for _, s in before) / 1024:.1f} KB "
          f"({', '.join(u.rsplit('/', 1)[-1] for u, _ in before)})")
    totals: dict[str, list[int]] = {}
    for url, size in loaded:
        totals.setdefault(kind_of(url), []).append(size)
    print(f"first search for {args.query!r} ({shown} results shown):")
    for name, sizes in sorted(totals.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:<22} {len(sizes):>4} files {sum(sizes) / 1024:>9.1f} KB")
    for url, size in loaded if args.list else ():
        print(f"    {size:>8} {url}")
    print(f"  {'total':<22} {len(loaded):>4} files {sum(s for _, s in loaded) / 1024:>9.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
