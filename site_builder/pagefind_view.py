"""What Pagefind reads of a page: its `<html lang>` and the `data-pagefind-body` element.

Pagefind indexes only what is inside the element marked `data-pagefind-body` (every filter,
meta and weight of our templates is in it) and takes the page's language from `<html lang>`.
The rest of a page — header, navigation, footer, scripts — changes with every template edit
and means nothing to the index. So the index is made from this view of each page, not from
the page: a shard is indexed again only when the view of one of its pages changed (its
digest is in the page's record), and Pagefind parses a fraction of the bytes.
tests/test_search.py checks that the bundles made from the views are the bytes the pages
themselves give.
"""

from __future__ import annotations

import hashlib
import re

MARK = b" data-pagefind-body"
NAME = re.compile(rb"<([a-zA-Z][a-zA-Z0-9]*)")
LANG = re.compile(rb"<html\b[^>]*\slang=\"([^\"]*)\"")
IGNORED = re.compile(rb"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?\sdata-pagefind-ignore(?:=\"(?:index|all)\")?[\s/>]")


def view(page: bytes) -> bytes | None:
    """The page as Pagefind sees it, or None when it has no `data-pagefind-body` element (or
    one whose end cannot be found: the caller indexes the whole page then). Plain byte
    searches, not a parser: 26,000 pages take a fraction of a second."""
    mark = page.find(MARK)
    start = page.rfind(b"<", 0, mark)
    name = NAME.match(page, start) if mark > 0 and start >= 0 else None
    end = element_end(page, name.group(1), name.end()) if name is not None else None
    if end is None:
        return None
    lang = LANG.search(page, 0, start)
    head = b'<!DOCTYPE html><html lang="' + (lang.group(1) if lang else b"") + b'"><head><meta charset="utf-8"></head><body>'
    return head + without_ignored(page[start:end]) + b"</body></html>\n"


def element_end(page: bytes, name: bytes, pos: int) -> int | None:
    """Where the element opened just before `pos` ends (after its end tag); None if it does not."""
    opening, closing = b"<" + name, b"</" + name + b">"
    depth = 1
    while depth:
        close = page.find(closing, pos)
        if close < 0:
            return None
        inner = page.find(opening, pos, close)
        while inner >= 0 and page[inner + len(opening) : inner + len(opening) + 1] not in (b" ", b">", b"\n", b"\t", b"/"):
            inner = page.find(opening, inner + 1, close)  # <article…> only, not <articles>
        if inner >= 0:
            depth, pos = depth + 1, inner + len(opening)
        else:
            depth, pos = depth - 1, close + len(closing)
    return pos


def without_ignored(body: bytes) -> bytes:
    """The indexed element without the elements marked `data-pagefind-ignore` that hold no
    other Pagefind attribute (a filter or meta inside one still counts): Pagefind reads none
    of their text, yet parsing it was half of indexing an entity page, whose story list,
    timeline and connections are all ignored (the bundle is the same: tests/test_search.py)."""
    parts, pos = [], 0
    for found in IGNORED.finditer(body):
        if found.start() < pos:
            continue  # inside one removed already
        end = element_end(body, found.group(1), found.end(1))
        if end is None or b"data-pagefind-" in body[found.end() : end]:
            continue
        parts.append(body[pos : found.start()])
        pos = end
    return b"".join(parts) + body[pos:] if parts else body


def digest(page: bytes) -> str:
    """What a shard's digest is made of for this page: its view's bytes (the page's, without one)."""
    return hashlib.sha1(view(page) or page).hexdigest()
