"""Where every page lives. Site paths have no leading slash; '' is the root."""

from __future__ import annotations

import posixpath

from site_builder.config import ENTITY_TYPES
from site_builder.model import Entity


def home(lang: str) -> str:
    return f"{lang}/"


def stories(lang: str) -> str:
    return f"{lang}/stories/"


def story(lang: str, slug: str) -> str:
    return f"{lang}/stories/{slug}/"


def entity_index(lang: str, type_: str) -> str:
    return f"{lang}/{ENTITY_TYPES[type_]}/"


def entity(lang: str, e: Entity) -> str:
    return f"{lang}/{ENTITY_TYPES[e.type]}/{e.id}/"


def entity_feed(lang: str, e: Entity) -> str:
    return entity(lang, e) + "feed.xml"


def timeline(lang: str) -> str:
    return f"{lang}/timeline/"


def tags(lang: str) -> str:
    return f"{lang}/tags/"


def tag(lang: str, tag_id: str) -> str:
    return f"{lang}/tags/{tag_id}/"


def feed(lang: str) -> str:
    return f"{lang}/feed.xml"


def not_found(lang: str | None) -> str:
    return f"{lang}/404.html" if lang else "404.html"


def file_of(url: str) -> str:
    """The output file of a site path: directories get index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def relative(from_url: str, to_url: str) -> str:
    """A link from the page at `from_url` to `to_url` that works under any base path.

    Hot: called for every link of every page, so it compares segments instead of using
    posixpath.relpath (which resolves absolute paths first).
    """
    here = from_url.split("/")[:-1]  # the page's directory: 'a/b/' → [a, b]; 'a/f.xml' → [a]
    there = to_url.split("/")
    common = 0
    for a, b in zip(here, there[:-1]):
        if a != b:
            break
        common += 1
    up = len(here) - common
    rest = "/".join(there[common:])
    link = "../" * up + rest
    return link or "./"
