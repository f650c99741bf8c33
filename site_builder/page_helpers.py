"""The helpers templates call on a page: links from this page, texts in its language.

`PageHelpers` is made for every page render.py renders. Its helpers are hot (a list or the
timeline calls them for every entry), so what does not depend on the page is computed once per
build and kept in a `PageMemo` the renderer hands to every page (dates, numbers, entity links,
story cards, list entries); a fragment of a page in its own template comes from the
`Fragment` function it is given. It knows nothing of the renderer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from site_builder import urls
from site_builder.config import LANGUAGES
from site_builder.dates import format_partial
from site_builder.model import Entity, Event, PartialDate, Site, StoryVersion, Text
from site_builder.paging import Lists, page_url
from site_builder.plan import Route

SCHEMA_TYPES = {"person": "Person", "org": "Organization", "place": "Place"}


@dataclass(frozen=True)
class StoryCard:
    """A story as lists show it, in one language; `path` is its site path."""

    slug: str
    date_iso: str
    date: str
    title: str
    title_lang: Markup
    summary: str
    summary_lang: Markup
    publisher: str
    publisher_lang: Markup
    fallback: bool
    path: str


@dataclass
class PageMemo:
    """What the helpers compute once per build and share between pages (one per Renderer)."""

    dates: dict[tuple, str] = field(default_factory=dict)  # (date, end, lang) → text, see PageHelpers.date
    numbers: dict[tuple, str] = field(default_factory=dict)  # (number, lang) → text
    links: dict[tuple, Markup] = field(default_factory=dict)  # see PageHelpers.entity_link
    cards: dict[tuple, StoryCard] = field(default_factory=dict)  # see PageHelpers.card
    items: dict[tuple, Markup] = field(default_factory=dict)  # see PageHelpers.story_item
    lists: Lists | None = None  # the pages of split lists, for the language switch of page 2…


class Fragment(Protocol):
    """Renders a piece of a page from its own template, with the page's helpers."""

    def __call__(self, template: str, page: PageHelpers, **context: object) -> Markup: ...


class PageHelpers:
    """Per-page helpers for templates: links relative to this page, names in its language.

    Every entity lookup is recorded: the page is rendered again when one of them changes.
    """

    def __init__(self, site: Site, route: Route, memo: PageMemo, fragment: Fragment):
        self.route, self.memo, self.fragment = route, memo, fragment
        self.url = route.url
        self.default = site.config.default_language
        self.lang = route.lang or self.default
        self.config = site.config
        self.site = site
        self.absolute_links = route.kind == "not_found"
        self.base_path = urlsplit(self.config.base_url).path or "/"
        # Links are relative, built from two prefixes: to the site's root and to this
        # language's root. String concatenation, since every page has hundreds of links.
        depth = self.url.count("/")
        self.root_prefix = self.base_path if self.absolute_links else "../" * depth
        self.lang_root = f"{route.lang}/" if route.lang else None
        self.lang_prefix = self.root_prefix + self.lang_root if self.absolute_links and route.lang else "../" * (depth - 1)
        self.looked_up: set[str] = set()

    def helpers(self) -> dict[str, Callable]:
        return {
            "href": self.href, "absolute": self.absolute, "tr": self.tr, "lang_attr": self.lang_attr,
            "lookup": self.entity, "name": self.name, "card": self.card, "entity_url": self.entity_url, "entity_link": self.entity_link,
            "story_url": self.story_url, "date": self.date, "year_label": self.year_label, "number": self.number, "tag_name": self.tag_name,
            "urls": urls, "language": LANGUAGES[self.lang], "languages": LANGUAGES,
            "alternates": self.alternates, "canonical": self.canonical, "switch": self.switch,
            "page_links": self.page_links, "event_href": self.event_href, "story_schema": self.story_schema, "story_item": self.story_item, "event_when": self.event_when,
        }

    # Links
    def href(self, url: str) -> str:
        if self.lang_root and url.startswith(self.lang_root):
            return self.lang_prefix + url[len(self.lang_root):] or "./"
        return self.root_prefix + url or "./"

    def absolute(self, url: str) -> str:
        return self.config.base_url + url

    def story_url(self, slug: str, lang: str | None = None) -> str:
        return self.href(urls.story(lang or self.lang, slug))

    # Texts
    def tr(self, text: Text | None) -> str:
        return text.pick(self.lang, self.default)[0] if text else ""

    def lang_attr(self, text: Text | None, lang: str | None = None) -> Markup:
        """` lang="…"` when the text shown is not in the page's language (a fallback)."""
        shown = lang or (text.pick(self.lang, self.default)[1] if text else self.lang)
        return Markup(f' lang="{LANGUAGES[shown].hreflang}"') if shown != self.lang else Markup("")

    def entity(self, entity_id: str) -> Entity:
        self.looked_up.add(entity_id)
        return self.site.entities[entity_id]

    def name(self, entity_id: str) -> str:
        return self.tr(self.entity(entity_id).name)

    def entity_url(self, entity_id: str, lang: str | None = None) -> str:
        return self.href(urls.entity(lang or self.lang, self.entity(entity_id)))

    def entity_link(self, entity_id: str) -> Markup:
        """Hot: lists and the timeline have one per entry, so it is built by hand, once per
        build for each language and link prefix."""
        e = self.entity(entity_id)
        key = (self.lang, self.lang_prefix, self.root_prefix, entity_id)
        found = self.memo.links.get(key)
        if found is None:
            name, lang = e.name.pick(self.lang, self.default)
            lang_attr = f' lang="{LANGUAGES[lang].hreflang}"' if lang != self.lang else ""
            href = escape(self.href(urls.entity(self.lang, e)))
            found = Markup(f'<a href="{href}" class="entity-link entity-{e.type}"{lang_attr}>{escape(name)}</a>')
            self.memo.links[key] = found
        return found

    def card(self, story: StoryVersion) -> StoryCard:
        """What a list shows of a story, computed once per build and language."""
        key = (self.lang, story.slug)
        found = self.memo.cards.get(key)
        if found is None:
            found = self.memo.cards[key] = StoryCard(
                slug=story.slug, date_iso=story.date.isoformat(), date=self.date(story.date),
                title=self.tr(story.title), title_lang=self.lang_attr(story.title),
                summary=self.tr(story.summary), summary_lang=self.lang_attr(story.summary),
                publisher=self.tr(story.source.publisher), publisher_lang=self.lang_attr(story.source.publisher),
                fallback=story.fallback, path=urls.story(self.lang, story.slug))
        return found

    def story_item(self, story: StoryVersion, level: int = 3) -> Markup:
        """One entry of a story list (_story_item.html), rendered once per build for each
        language, link depth and heading level: each story is listed by every entity it
        names, and entity pages list hundreds of stories."""
        key = (self.lang, self.lang_prefix, self.root_prefix, story.slug, level)
        found = self.memo.items.get(key)
        if found is None:
            found = self.memo.items[key] = self.fragment("_story_item.html", self, story=story, level=level)
        return found

    def story_schema(self, story: StoryVersion) -> dict:
        """The story as schema.org NewsArticle data (for its JSON-LD): built here, not in the
        template, because it is a quarter of a story page's rendering time there."""
        about, mentions = [], []
        for entity_id in story.mentions:
            e = self.entity(entity_id)
            url = self.absolute(urls.entity(self.lang, e))  # @id: one per entity, as in /data/graph.jsonld
            ref = {"@type": SCHEMA_TYPES[e.type], "@id": self.absolute(urls.entity(self.default, e)),
                   "name": self.tr(e.name), "url": url}
            (about if entity_id in story.entities else mentions).append(ref)
        source: dict = {"@type": "CreativeWork", "name": self.tr(story.source.title),
                        "publisher": {"@type": "Organization", "name": self.tr(story.source.publisher)}}
        if story.source.url:
            source["url"] = story.source.url
        if story.source.author:
            source["author"] = {"@type": "Person", "name": self.tr(story.source.author)}
        editors = {"@type": "Organization", "name": self.tr(self.config.title), "url": self.absolute(urls.home(self.lang))}
        return {
            "@context": "https://schema.org", "@type": "NewsArticle", "@id": self.canonical(),
            "headline": self.tr(story.title), "description": self.tr(story.summary),
            "datePublished": story.date.isoformat(), "inLanguage": LANGUAGES[story.body_lang].hreflang,
            "url": self.canonical(), "mainEntityOfPage": self.canonical(),
            "author": editors, "publisher": editors, "isBasedOn": source,
            "about": about, "mentions": mentions, "keywords": [self.tag_name(t) for t in story.tags],
        }

    def resolve_link(self, entity_id: str) -> tuple[str, str, str] | None:
        if entity_id not in self.site.entities:
            return None
        e = self.entity(entity_id)
        name, lang = e.name.pick(self.lang, self.default)
        return self.entity_url(entity_id), name, LANGUAGES[lang].hreflang if lang != self.lang else ""

    def tag_name(self, tag: str) -> str:
        text = self.config.tags.get(tag)
        return self.tr(text) if text else tag

    def date(self, value: PartialDate | dt.date, end: PartialDate | None = None) -> str:
        """Babel's skeleton matching costs ~0.3 ms a call: each date is formatted once a build."""
        key = (value, end, self.lang)
        found = self.memo.dates.get(key)
        if found is None:
            start = PartialDate(value.year, value.month, value.day) if isinstance(value, dt.date) else value
            found = self.memo.dates[key] = format_partial(start, self.lang, end)
        return found

    def event_when(self, event: Event) -> Markup:
        """An event's <time> element: one per entry of every event list and the timeline."""
        key = (event.date, event.end, self.lang, "when")
        found = self.memo.dates.get(key)
        if found is None:
            found = self.memo.dates[key] = Markup('<time datetime="%s">%s</time>') % (event.date.iso(), self.date(event.date, event.end))
        return found

    def year_label(self, year: int) -> str:
        return self.date(PartialDate(year))

    def number(self, value: int) -> str:
        key = (value, self.lang)
        found = self.memo.numbers.get(key)
        if found is None:
            found = self.memo.numbers[key] = format_decimal(value, locale=LANGUAGES[self.lang].locale)
        return found

    # Languages
    def group(self) -> list[tuple[str, str, bool]]:
        """This page in every language: (lang, url, is real)."""
        route, site = self.route, self.site
        if route.lang is None:
            return [(l, route.url, True) for l in self.config.languages]
        rest = route.url[len(route.lang) :]
        real = lambda l: True  # noqa: E731
        if route.kind == "story":
            real = lambda l: not site.stories[l][route.key].fallback  # noqa: E731
        if route.page > 1 and self.memo.lists is not None:  # the other language's list may be shorter
            lists = self.memo.lists
            counts = {l: lists.count(route.kind, l, route.key) for l in self.config.languages}
            return [(l, page_url(lists.first_url(route.kind, l, route.key), min(route.page, counts[l])),
                     route.page <= counts[l]) for l in self.config.languages]
        return [(l, l + rest, real(l)) for l in self.config.languages]

    def event_href(self, anchor: str) -> str:
        """A link to an event on the timeline: on a split one, to the page holding it."""
        first = urls.timeline(self.lang)
        lists = self.memo.lists
        return self.href(page_url(first, lists.event_page(self.lang, anchor) if lists else 1)) + "#" + anchor

    def page_links(self, paging) -> list[tuple[str, str]]:
        """(rel, href) of the previous and next pages of a split list, for <link> in <head>."""
        return [(rel, self.href(url)) for rel, url in (("prev", paging.prev), ("next", paging.next)) if url]

    def alternates(self) -> list[tuple[str, str]]:
        if self.route.lang is None or self.route.kind == "not_found":
            return []
        group = self.group()
        result = [(LANGUAGES[l].hreflang, self.absolute(u)) for l, u, real in group if real]
        default_url = next(u for l, u, _ in group if l == self.default)
        result.append(("x-default", self.absolute(default_url)))
        return result

    def canonical(self) -> str:
        group = {l: (u, real) for l, u, real in self.group()}
        url, real = group.get(self.lang, (self.url, True))
        if not real:
            url = group[self.default][0]
        return self.absolute(url)

    def switch(self) -> list[tuple[str, str, bool]]:
        """(language, href, is current) for the language switch: the same page elsewhere."""
        if self.route.lang is None:
            return []
        return [(LANGUAGES[l], self.href(u), l == self.lang) for l, u, _ in self.group()]
