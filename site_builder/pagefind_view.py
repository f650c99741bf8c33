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

BODY = re.compile(rb"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\sdata-pagefind-body[\s=>/]")
LANG = re.compile(rb"<html\b[^>]*\slang=\"([^\"]*)\"")


def view(page: bytes) -> bytes | None:
    """The page as Pagefind sees it, or None when it has no `data-pagefind-body` element (or
    one whose end cannot be found: the caller indexes the whole page then)."""
    body = BODY.search(page)
    if body is None:
        return None
    name = body.group(1)
    tags = re.compile(rb"<(/?)" + re.escape(name) + rb"[\s>/]", re.IGNORECASE)
    depth = 0
    for tag in tags.finditer(page, body.start()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = page.find(b">", tag.end() - 1) + 1
            lang = LANG.search(page, 0, body.start())
            head = b'<!DOCTYPE html><html lang="' + (lang.group(1) if lang else b"") + b'"><head><meta charset="utf-8"></head><body>'
            return head + page[body.start() : end] + b"</body></html>\n"
    return None


def digest(page: bytes) -> str:
    """What a shard's digest is made of for this page: its view's bytes (the page's, without one)."""
    return hashlib.sha1(view(page) or page).hexdigest()
