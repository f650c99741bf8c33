"""Long lists split into pages: the timeline, the archive, an entity's stories and events,
a topic's stories, the indexes of people, organisations and places, and the editors'
translation status.

A list longer than the site's page size (site.yaml `page_size`, else `PAGE_SIZE`) becomes pages
of that many entries: the first keeps the list's URL, page n is `<list URL>page/<n>/`. Pages
of N rather than pages per year because only a count bounds a page's size: at 10,000 stories
a single year holds thousands of timeline entries. A list within the size is one page, as it
always was, so a small site's URLs and bytes do not change.

Where the boundaries fall, chosen so that the usual edit (a new story, dated today) moves as
few of them as it can: the timeline is cut from its oldest entry (a new story lands on the
last page), the archive from its newest (its order: a new story shifts every page by one), an
entity's stories from the newest and its events from the newest backwards, page n showing
the n-th chunk of each; an index in its language's order (render.py: the alphabet, pinyin
for Chinese), with a jump to the page where each initial starts. Planning (plan.py) declares each page's entries as its dependencies;
rendering (render.py) takes its slice from here, computed once per process and language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from site_builder import urls
from site_builder.config import ENTITY_TYPES
from site_builder.model import PartialDate, Site, SiteConfig, StoryVersion, Text

if TYPE_CHECKING:
    from site_builder.translations import Status

ENTITY_ORDER = tuple(ENTITY_TYPES)  # person, org, place
PAGE_SIZE = 100  # entries per page: ~130 KB of timeline, ~110 KB of archive at 10,000 stories
SITEMAP_SIZE = 50_000  # URLs one sitemap file may list (sitemaps.org); more: an index of files
T = TypeVar("T")


def page_size(config: SiteConfig) -> int:
    return config.page_size or PAGE_SIZE


def split(items: list[T], size: int) -> list[list[T]]:
    """Chunks of `size` from the start; always at least one (maybe empty) page."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def split_from_end(items: list[T], size: int) -> list[list[T]]:
    """Chunks of `size` from the end (page 1 holds the last items), each in the list's order."""
    chunks = split(items[::-1], size)
    return [chunk[::-1] for chunk in chunks]


def page_url(first: str, number: int) -> str:
    return first if number == 1 else f"{first}page/{number}/"


@dataclass(frozen=True)
class Paging:
    """Where a page is in its list, for its links (given to templates as `paging`)."""

    number: int
    count: int
    first: str  # site path of page 1

    def url(self, number: int) -> str:
        return page_url(self.first, number)

    @property
    def prev(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.count else None


@dataclass(slots=True)  # not frozen: 86,000 made per build at 10,000 stories, six times faster so
class TimelineEntry:
    date: PartialDate
    end: PartialDate | None
    kind: str  # 'event' or 'story'
    anchor: str
    title: Text
    story: StoryVersion
    entities: tuple[str, ...]
    kinds: Mapping[str, str] = field(repr=False, compare=False)  # entity id → type, one dict for all entries

    @property
    def types(self) -> tuple[str, ...]:
        """The entity types named, for the timeline's filter (asked only by the timeline's
        pages, so not made for the 40,000 entries every story page's event links sort)."""
        present = {self.kinds[i] for i in self.entities}
        return tuple(t for t in ENTITY_ORDER if t in present)


def timeline_entries(site: Site, lang: str) -> list[TimelineEntry]:
    """Every event and every story publication, oldest first."""
    kinds = {i: e.type for i, e in site.entities.items()}
    entries = [
        TimelineEntry(e.date, e.end, "event", e.anchor, e.title, site.stories[lang][e.story], e.entities, kinds)
        for e in site.events[lang]
    ]
    for version in site.stories[lang].values():
        d = version.date
        entries.append(TimelineEntry(PartialDate(d.year, d.month, d.day), None, "story", f"story-{version.slug}",
                                     version.title, version, version.entities, kinds))
    entries.sort(key=lambda e: (e.date.year, e.date.month or 1, e.date.day or 1,  # first_day(), without a date object each
                                e.kind == "story", e.story.slug, e.anchor))
    return entries


class Lists:
    """The pages of every split list of one Site, per language, each computed once."""

    def __init__(self, site: Site, kept: dict | None = None, heads: Mapping[str, str] | None = None,
                 status: Status | None = None):
        """`kept` (serve: BuildState.list_tables) carries the table of which timeline page each
        event is on from one build to the next while the stories' `heads` (plan.Planner.heads)
        are the same: sorting 40,000 timeline entries was a third of a body edit at 10,000.
        `status`: the translation states the editors' page lists."""
        self.site, self.size = site, page_size(site.config)
        self.memo: dict[tuple, object] = {}
        self.kept, self.heads = kept, heads or {}
        self.status = status

    def _once(self, key: tuple, make):
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def entries(self, lang: str) -> list[TimelineEntry]:
        return self._once(("entries", lang), lambda: timeline_entries(self.site, lang))

    def timeline(self, lang: str) -> list[list[TimelineEntry]]:
        return self._once(("timeline", lang), lambda: split(self.entries(lang), self.size))

    def archive(self, lang: str) -> list[list[StoryVersion]]:
        return self._once(("archive", lang), lambda: split(list(self.site.stories[lang].values()), self.size))

    def tag(self, lang: str, tag: str) -> tuple[int, list[list[StoryVersion]]]:
        """(how many stories have the tag, the pages of them)."""
        def group() -> dict[str, list[StoryVersion]]:  # every tag's stories, in one pass
            tagged: dict[str, list[StoryVersion]] = {}
            for version in self.site.stories[lang].values():
                for name in version.tags:
                    tagged.setdefault(name, []).append(version)
            return tagged

        def make():
            tagged = self._once(("tags", lang), group).get(tag, [])
            return len(tagged), split(tagged, self.size)
        return self._once(("tag", lang, tag), make)

    def entity(self, lang: str, entity_id: str) -> tuple[list[list[StoryVersion]], list[list]]:
        """(story chunks, event chunks), as many of each as the longer needs."""
        def make():
            versions = self.site.stories[lang]
            stories = split([versions[s] for s in self.site.mentions[lang].get(entity_id, ())], self.size)
            events = split_from_end(list(self.site.entity_events[lang].get(entity_id, ())), self.size)
            count = max(len(stories), len(events))
            return stories + [[]] * (count - len(stories)), events + [[]] * (count - len(events))
        return self._once(("entity", lang, entity_id), make)

    def translations(self) -> tuple[list[list], list[list]]:
        """The editors' page's rows, (story chunks, entity chunks), as many of each as the
        longer needs: the same in every language (only the interface differs). Worst first,
        as `status` lists them, so page 1 holds what most needs an editor."""
        def make():
            status = self.status
            stories = split(list(status.stories) if status else [], self.size)
            entities = split(list(status.entities) if status else [], self.size)
            count = max(len(stories), len(entities))
            return stories + [[]] * (count - len(stories)), entities + [[]] * (count - len(entities))
        return self._once(("translations",), make)

    def count(self, kind: str, lang: str, key: str = "") -> int:
        """How many pages the list of a route's kind has in `lang` (1 for pages that are no list)."""
        if kind == "timeline":  # (without sorting it)
            return max(1, -(-(len(self.site.events[lang]) + len(self.site.stories[lang])) // self.size))
        if kind == "archive":
            return len(self.archive(lang))
        if kind == "entity":
            return len(self.entity(lang, key)[0])
        if kind == "tag":
            return len(self.tag(lang, key)[1])
        if kind == "translations":
            return len(self.translations()[0])
        if kind == "entity_index":  # the same in every language: every entity has a page in each
            return max(1, -(-len(self.site.entities_of(key)) // self.size))
        return 1

    def first_url(self, kind: str, lang: str, key: str = "") -> str:
        if kind == "timeline":
            return urls.timeline(lang)
        if kind == "archive":
            return urls.stories(lang)
        if kind == "tag":
            return urls.tag(lang, key)
        if kind == "translations":
            return urls.translations(lang)
        if kind == "entity_index":
            return urls.entity_index(lang, key)
        return urls.entity(lang, self.site.entities[key])

    def paging(self, kind: str, lang: str, key: str, number: int) -> Paging | None:
        """A page's place in its list; None for a list of one page (rendered as ever)."""
        count = self.count(kind, lang, key)
        return Paging(number, count, self.first_url(kind, lang, key)) if count > 1 else None

    def year_pages(self, kind: str, lang: str) -> list[tuple[int, int]]:
        """(year, number of the page its first entry is on), in the list's order."""
        def make():
            chunks = self.timeline(lang) if kind == "timeline" else self.archive(lang)
            seen: dict[int, int] = {}
            for number, chunk in enumerate(chunks, 1):
                for item in chunk:
                    seen.setdefault(item.date.year, number)
            return list(seen.items())
        return self._once(("years", kind, lang), make)

    def anchor_pages(self, lang: str) -> dict[str, int]:
        """Event anchor → the timeline page its entry is on. In `serve` it is carried over
        (`kept`, per language) while the heads are the same, without sorting the timeline."""
        def make():
            key = (self.heads.get(lang), self.size)
            found = self.kept.get(lang) if self.kept is not None and key[0] else None
            if found is not None and found[0] == key:
                return found[1]
            table = {e.anchor: n for n, chunk in enumerate(self.timeline(lang), 1) for e in chunk}
            if self.kept is not None and key[0]:
                self.kept[lang] = (key, table)
            return table
        return self._once(("anchors", lang), make)

    def event_page(self, lang: str, anchor: str) -> int:
        """The timeline page an event's entry is on, for links to it."""
        return self.anchor_pages(lang).get(anchor, 1)

    def event_pages(self, lang: str, events) -> str:
        """Where the events a page links to are on a split timeline ('' when it is one page):
        for the dependencies of the pages that link to them."""
        if self.count("timeline", lang) == 1:
            return ""
        pages = self.anchor_pages(lang)
        return " ".join(str(pages.get(e.anchor, 1)) for e in events)

    def timeline_page_of(self, lang: str, entity_id: str) -> int:
        """The timeline page of an entity's first entry (for 'See on the timeline'); 1 if none."""
        def make():
            first: dict[str, int] = {}
            for number, chunk in enumerate(self.timeline(lang), 1):
                for entry in chunk:
                    for i in entry.entities:
                        first.setdefault(i, number)
            return first
        return self._once(("entity-pages", lang), make).get(entity_id, 1)

    # The sitemap ------------------------------------------------------------------------
    def sitemap_groups(self) -> list[list[tuple[str, str, bool]]]:
        """Each page the sitemap lists, in all its languages: (lang, url, is a real translation)."""
        def make():
            site, langs = self.site, self.site.config.languages
            default = site.config.default_language
            tags = sorted({t for v in site.stories[default].values() for t in v.tags})
            groups = [[(l, url_of(l), True) for l in langs]
                      for url_of in (urls.home, urls.stories, urls.timeline, urls.tags, urls.search)]
            for type_ in ENTITY_ORDER:
                groups.append([(l, urls.entity_index(l, type_), True) for l in langs])
            groups += [[(l, urls.tag(l, tag), True) for l in langs] for tag in tags]
            for slug in site.stories[default]:
                groups.append([(l, urls.story(l, slug), not site.stories[l][slug].fallback) for l in langs])
            groups += [[(l, urls.entity(l, entity), True) for l in langs] for entity in site.entities.values()]
            # pages 2… of split lists: a language whose list is shorter has its last page as
            # the alternate, not a real translation
            keys = [("archive", ""), ("timeline", ""), *(("entity_index", t) for t in ENTITY_ORDER)]
            keys += [("entity", i) for i in site.entities] + [("tag", t) for t in tags]
            for kind, key in keys:
                counts = {l: self.count(kind, l, key) for l in langs}
                for n in range(2, max(counts.values()) + 1):
                    groups.append([(l, page_url(self.first_url(kind, l, key), min(n, counts[l])), n <= counts[l]) for l in langs])
            groups.append([(l, urls.data_page(l), True) for l in langs])
            return groups
        return self._once(("sitemap",), make)

    def sitemap_files(self) -> list[list[tuple[str, list[tuple[str, str, bool]]]]]:
        """The sitemap's entries (url, its group) in files of at most SITEMAP_SIZE: one file
        for a site within it (the sitemap as ever), else /sitemap-<n>.xml under an index."""
        def make():
            entries = [(url, group) for group in self.sitemap_groups() for _, url, real in group if real]
            return split(entries, SITEMAP_SIZE)
        return self._once(("sitemap-files",), make)
