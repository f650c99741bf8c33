"""Where every page lives. Site paths have no leading slash; '' is the root."""

from __future__ import annotations


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


def search(lang: str) -> str:
    return f"{lang}/search/"


def feed(lang: str) -> str:
    return f"{lang}/feed.xml"


def translations(lang: str) -> str:
    return f"{lang}/translations/"


def data_page(lang: str) -> str:
    return f"{lang}/data/"


def not_found(lang: str | None) -> str:
    return f"{lang}/404.html" if lang else "404.html"


def sitemap(number: int = 1, count: int = 1) -> str:
    """The sitemap, or file n of a sitemap split in `count` (then /sitemap.xml is their index)."""
    return "sitemap.xml" if count == 1 else f"sitemap-{number}.xml"


def file_of(url: str) -> str:
    """The output file of a site path: directories get index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url
