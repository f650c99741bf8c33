"""The site model: plain frozen data, built once by assemble.py and read by every page.

Nothing here reads files or renders; these classes only hold what the content says and
answer small questions about it (a name in a language, the span of a partial date).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Text:
    """A human-readable text in one or more languages, with fallback to the default one."""

    values: tuple[tuple[str, str], ...]  # (lang, text), sorted by lang

    @classmethod
    def of(cls, mapping: dict[str, str]) -> Text:
        return cls(tuple(sorted(mapping.items())))

    def langs(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.values)

    def has(self, lang: str) -> bool:
        return any(code == lang for code, _ in self.values)

    def pick(self, lang: str, default: str) -> tuple[str, str]:
        """(text, its language): `lang` if present, else `default`, else any."""
        found = dict(self.values)
        for code in (lang, default):
            if code in found:
                return found[code], code
        code, text = self.values[0]
        return text, code

    def merged(self, other: Text | None) -> Text:
        """This text with `other`'s languages filled in where this one has none."""
        if other is None:
            return self
        values = dict(other.values)
        values.update(self.values)
        return Text.of(values)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int = 0  # 0: unknown
    day: int = 0  # 0: unknown

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day:
            return dt.date(self.year, self.month, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


@dataclass(frozen=True)
class Role:
    title: Text
    org: str | None
    start: PartialDate | None
    end: PartialDate | None

    def held_on(self, day: dt.date) -> bool:
        """Held from the first day of `start` to the last day of `end` (open ends allowed)."""
        if self.start and day < self.start.first_day():
            return False
        if self.end and day > self.end.last_day():
            return False
        return True


@dataclass(frozen=True)
class Entity:
    """A person, organisation or place; `type` is 'person', 'org' or 'place'."""

    type: str
    id: str
    name: Text
    summary: Text | None = None
    kind: str | None = None
    parent: str | None = None
    place: str | None = None
    short: Text | None = None
    url: str | None = None
    roles: tuple[Role, ...] = ()
    aliases: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()  # where its names and facts were found
    path: str = ""
    digest: str = ""  # of the source file: pages showing this entity depend on it


@dataclass(frozen=True)
class Source:
    """A published original: a story's source, or one of an entity's `sources`."""

    publisher: Text
    title: Text
    url: str | None = None
    author: Text | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Event:
    date: PartialDate
    end: PartialDate | None
    title: Text
    people: tuple[str, ...]
    orgs: tuple[str, ...]
    places: tuple[str, ...]
    story: str  # slug
    index: int  # position in its story's list: the deep-link anchor

    @property
    def anchor(self) -> str:
        return f"event-{self.story}-{self.index + 1}"

    @property
    def entities(self) -> tuple[str, ...]:
        return self.people + self.orgs + self.places


@dataclass(frozen=True)
class StoryVersion:
    """A story as a reader of one language sees it: translation fields over the original's.

    `fallback` is true when no translation file exists and the original's text is shown.
    Texts keep their own languages, so a template can mark inherited text `lang="en"`.
    """

    slug: str
    lang: str
    title: Text
    summary: Text
    date: dt.date
    source: Source
    people: tuple[str, ...]
    orgs: tuple[str, ...]
    places: tuple[str, ...]
    tags: tuple[str, ...]
    events: tuple[Event, ...]
    draft: bool
    body: str  # Markdown
    body_lang: str
    path: str  # the file the body comes from
    fallback: bool
    links: tuple[str, ...] = ()  # ids linked with [[id]] in the body
    head_digest: str = ""  # of what lists, feeds and the timeline show
    digest: str = ""  # of everything, body included
    body_key: str = ""  # the rendered body's key in markup.MarkdownCache
    translatable: str = ""  # an original's: digest of its translatable text (translations.py)
    translated_from: str | None = None  # a translation's: that digest when it was made

    @property
    def entities(self) -> tuple[str, ...]:
        return self.people + self.orgs + self.places

    @functools.cached_property
    def mentions(self) -> tuple[str, ...]:
        """Every entity the story names: its lists, its events' lists and its body links
        (kept once asked: planning and the data files ask 190,000 times at 10,000 stories)."""
        seen = dict.fromkeys(self.entities)
        for event in self.events:
            seen.update(dict.fromkeys(event.entities))
        seen.update(dict.fromkeys(self.links))
        return tuple(seen)


@dataclass(frozen=True)
class SiteConfig:
    title: Text
    tagline: Text
    base_url: str
    languages: tuple[str, ...]
    default_language: str
    tags: dict[str, Text] = field(default_factory=dict)
    description: Text | None = None
    licence: Text | None = None
    page_size: int | None = None  # entries per page of a split list; None: paging.PAGE_SIZE
    search_shard_size: int | None = None  # pages per search shard at most; None: search.SHARD_SIZE
    digest: str = ""


@dataclass(frozen=True)
class Site:
    """Everything the pages need, complete before the first page is rendered.

    Indexes are per language because a translation may set its own entity lists.
    """

    config: SiteConfig
    stories: dict[str, dict[str, StoryVersion]]  # lang → slug → version, newest first
    entities: dict[str, Entity]  # id → entity, sorted by id
    events: dict[str, tuple[Event, ...]]  # lang → every event, oldest first
    mentions: dict[str, dict[str, tuple[str, ...]]]  # lang → id → slugs, newest first
    entity_events: dict[str, dict[str, tuple[Event, ...]]]  # lang → id → events
    related: dict[str, dict[str, tuple[tuple[str, int], ...]]]  # lang → id → (id, count)
    children: dict[str, tuple[str, ...]]  # id → ids whose parent it is
    seated: dict[str, tuple[str, ...]]  # place id → orgs whose seat it is
    members: dict[str, tuple[tuple[str, Role], ...]]  # org id → (person id, role)

    def with_base_url(self, base_url: str | None) -> Site:
        """The site as if site.yaml gave `base_url` (`--base-url`). The configuration's digest
        changes with it, so no page rendered for another base URL is reused, and a later build
        without the override renders them for site.yaml's again."""
        base_url = base_url.rstrip("/") + "/" if base_url else None
        if base_url is None or base_url == self.config.base_url:
            return self
        digest = hashlib.sha1(f"{self.config.digest}\0{base_url}".encode()).hexdigest()
        return replace(self, config=replace(self.config, base_url=base_url, digest=digest))

    def entities_of(self, type_: str) -> list[Entity]:
        return [e for e in self.entities.values() if e.type == type_]


def story_state(original: StoryVersion, version: StoryVersion) -> str:
    """A translation's state: missing, unverified (no `translated_from`), current or stale
    (the original's text changed since); translations.py's STORY_STATES, /data/'s too."""
    return translation_state(not version.fallback, version.translated_from, original.translatable)


def translation_state(exists: bool, translated_from: str | None, digest: str) -> str:
    """story_state from what translation_facts.py keeps: whether readers get a translation,
    the digest it records and the original's now."""
    if not exists:
        return "missing"
    if not translated_from:
        return "unverified"
    return "current" if translated_from == digest else "stale"
