"""Helpers for tests that read a built site: parse pages, list files, crawl links."""

from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from conftest import tree  # noqa: F401 (one definition; tests import it from either)


class Page(HTMLParser):
    """A parsed HTML page: its elements as (tag, attrs) and the text inside chosen tags."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.texts: list[tuple[list[tuple[str, dict]], str]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag not in ("meta", "link", "br", "hr", "img", "input", "source", "wbr"):
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip():
            self.texts.append((list(self.stack), data))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def text(self) -> str:
        return " ".join(t for _, t in self.texts)

    def text_in(self, predicate) -> str:
        """Text whose enclosing elements satisfy predicate(stack)."""
        return " ".join(t for stack, t in self.texts if predicate(stack))


def parse(path: Path) -> Page:
    return Page(path.read_text("utf-8"))


def json_ld(path: Path) -> dict:
    """The page's one <script type="application/ld+json"> block, parsed."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', path.read_text("utf-8"), re.S)
    assert len(blocks) == 1, f"{path}: {len(blocks)} JSON-LD blocks"
    return json.loads(blocks[0])


def built_page(public: Path, url: str, base_url: str) -> Path:
    """The built file of an absolute URL under base_url (which must exist)."""
    assert url.startswith(base_url), url
    rel = url[len(base_url):]
    path = public / (rel + "index.html" if rel.endswith("/") or not rel else rel)
    assert path.is_file(), f"{url} is not a built page"
    return path


def url_of(root: Path, path: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return rel[: -len("index.html")] if rel.endswith("index.html") else rel


def resolve(root: Path, page_url: str, href: str, base_path: str) -> tuple[Path, str] | None:
    """The file an internal link points at and its fragment; None for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    target, fragment = urldefrag(href)
    target = target.split("?", 1)[0] or (target and "./")
    if not target:
        path = page_url
    elif target.startswith("/"):
        assert target.startswith(base_path), f"root-relative link {href} outside base path {base_path}"
        path = target[len(base_path):]
    else:
        here = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url) + "/"
        path = posixpath.normpath(posixpath.join(here, target))
        if target.endswith("/") or target in (".", "./"):
            path += "/"
        if path.startswith(".."):
            raise AssertionError(f"link {href} on {page_url} leaves the site")
        path = "" if path in (".", "./") else path.lstrip("./") if path.startswith("./") else path
    file = root / (path + "index.html" if path == "" or path.endswith("/") else path)
    return file, fragment


def broken_links(root: Path, base_path: str = "/") -> list[str]:
    """Every internal href/src in every HTML page whose file or #fragment is missing."""
    broken, ids = [], {}
    pages = sorted(root.rglob("*.html"))
    for path in pages:
        page = parse(path)
        page_url = url_of(root, path)
        for tag, attrs in page.elements:
            for attr in ("href", "src"):
                if attr not in attrs or (tag == "link" and attrs.get("rel") in ("canonical", "alternate") and attr == "href" and attrs[attr].startswith("http")):
                    continue
                found = resolve(root, page_url, attrs[attr], base_path)
                if found is None:
                    continue
                file, fragment = found
                if not file.is_file():
                    broken.append(f"{page_url}: {attrs[attr]} → missing {file.relative_to(root)}")
                    continue
                if fragment and file.suffix == ".html":
                    if file not in ids:
                        ids[file] = parse(file).ids
                    if fragment not in ids[file]:
                        broken.append(f"{page_url}: {attrs[attr]} → no #{fragment}")
    return broken


def link_targets(root: Path, page_path: Path) -> set[str]:
    """The site paths (e.g. 'en/places/china/') that a page's internal links point at."""
    page_url = url_of(root, page_path)
    found = set()
    for tag, attrs in parse(page_path).elements:
        if tag == "a" and "href" in attrs:
            resolved = resolve(root, page_url, attrs["href"], "/")
            if resolved:
                found.add(url_of(root, resolved[0]))
    return found
