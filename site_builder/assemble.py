"""Stage 2, assemble: per-file records → one complete, immutable `Site`.

Resolves every id (reporting unknown ones with the closest known), lets translations
inherit the original's fields, drops drafts unless asked, and computes the indexes pages
need: backlinks, entity timelines, co-mention rankings, hierarchies, members. Also gives
each story version two digests — its head (what lists show) and its whole — which build.py
uses to re-render only the pages a change touches.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from site_builder.errors import ContentError, Problem, suggest
from site_builder.load import Content, EntityFile, StoryFile
from site_builder.markup import body_key
from site_builder.schema import TYPE_WORDS, Ref
from site_builder.model import Entity, Event, Role, Site, SiteConfig, StoryVersion
from site_builder.original_text import version_digest

RELATED_LIMIT = 12


def digest(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


class Resolver:
    """Checks refs against the known entities, collecting problems.

    An id claimed by two files is reported once, as a duplicate; refs to it are not
    reported again as being of the wrong type.
    """

    def __init__(self, types: dict[str, str], duplicated: set[str], problems: list[Problem]):
        self.types, self.duplicated, self.problems = types, duplicated, problems

    def check(self, ref: Ref, want: str | None) -> str | None:
        found = self.types.get(ref.id)
        prefix = f"{ref.field}: " if ref.field else ""
        if found is None:
            pool = [i for i, t in self.types.items() if t == want]
            word = TYPE_WORDS[want].split(" ", 1)[1] if want else "id"
            hint = suggest(ref.id, pool) or suggest(ref.id, self.types)
            self.problems.append(Problem(ref.path, ref.line, f"{prefix}unknown {word} '{ref.id}'{hint}"))
            return None
        if want and found != want and ref.id not in self.duplicated:
            self.problems.append(Problem(ref.path, ref.line, f"{prefix}'{ref.id}' is {TYPE_WORDS[found]}, not {TYPE_WORDS[want]}"))
            return None
        return ref.id

    def ids(self, refs: tuple[Ref, ...], want: str | None) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for i in (self.check(r, want) for r in refs) if i))


@dataclass
class Assembly:
    """What assemble() made of each story's files the last time, so that `serve`, which keeps
    the loaded files and re-reads only those that changed (load.reloaded), resolves and
    digests only the stories whose files are new objects. Valid while the entity ids and
    types, the configuration and the drafts setting stay the same; kept only from a
    successful assemble, so a story reused never had a problem."""

    key: tuple = ()
    stories: dict[str, tuple[tuple[StoryFile, ...], dict[str, StoryVersion] | None]] = field(default_factory=dict)


def assemble(content: Content, drafts: bool = False, memo: Assembly | None = None) -> Site:
    """Build the Site, or raise ContentError with every problem found (loading's included).
    `memo` (serve's) is used and brought up to date: the result is the same without it."""
    problems = list(content.problems)
    config = content.config
    if config is None:
        raise ContentError(problems)
    types, duplicated = _entity_types(content.entities, problems)
    resolver = Resolver(types, duplicated, problems)
    entities = {f.id: _entity(f, resolver) for f in sorted(content.entities, key=lambda f: f.id) if types.get(f.id) == f.type}
    _check_cycles(entities, content.entities, problems)
    key = (config, drafts, types)
    known = memo.stories if memo is not None and memo.key == key else {}
    made: dict = {}
    stories = _stories(content.stories, config, resolver, drafts, problems, known, made)
    if problems:
        raise ContentError(problems)
    if memo is not None:
        memo.key, memo.stories = key, made
    return _index(config, entities, stories)


def _entity_types(files: list[EntityFile], problems: list[Problem]) -> tuple[dict[str, str], set[str]]:
    """id → type, the first file (by path) claiming an id keeping it; and the ids claimed twice."""
    types: dict[str, str] = {}
    first: dict[str, str] = {}
    duplicated: set[str] = set()
    for f in sorted(files, key=lambda f: f.path):
        if f.id in types:
            problems.append(Problem(f.path, 1, f"id '{f.id}' is already used by {first[f.id]}: ids are unique across people, orgs and places"))
            duplicated.add(f.id)
            continue
        types[f.id], first[f.id] = f.type, f.path
    return types, duplicated


def _entity(f: EntityFile, resolver: Resolver) -> Entity:
    v = f.fields
    roles = tuple(Role(r.title, r.org and resolver.check(r.org, "org"), r.start, r.end) for r in v.get("roles", ()))
    parent = v.get("parent") and resolver.check(v["parent"], f.type)
    place = v.get("place") and resolver.check(v["place"], "place")
    return Entity(
        type=f.type, id=f.id, name=v.get("name"), summary=v.get("summary"),
        kind=v.get("kind"), parent=parent or None, place=place or None, short=v.get("short"),
        url=v.get("url"), roles=roles, aliases=tuple(v.get("aliases", ())), sources=tuple(v.get("sources", ())),
        path=f.path, digest=f.digest,
    )


def _check_cycles(entities: dict[str, Entity], files: list[EntityFile], problems: list[Problem]) -> None:
    """Report each `parent` cycle once, at the parent line of its first member by id."""
    lines = {f.id: f.fields["parent"].line for f in files if "parent" in f.fields}
    reported: set[str] = set()
    for start in entities:
        chain, current = [], start
        while current and current not in chain:
            chain.append(current)
            current = entities[current].parent if current in entities else None
        if current and current == start and not reported & set(chain):
            reported.update(chain)
            cycle = " → ".join(chain + [start])
            problems.append(Problem(entities[start].path, lines.get(start, 1), f"parent: cycle {cycle}"))


def _stories(files: list[StoryFile], config: SiteConfig, resolver: Resolver, drafts: bool,
             problems: list[Problem], known: dict, made: dict) -> dict[str, dict[str, StoryVersion]]:
    """Every story's version per language; a slug whose files are the objects `known` was
    made from is taken from it. `made` receives what each slug gave (see Assembly)."""
    by_slug: dict[str, dict[str, StoryFile]] = defaultdict(dict)
    for f in files:
        by_slug[f.slug][f.lang] = f
    default = config.default_language
    result: dict[str, dict[str, StoryVersion]] = {lang: {} for lang in config.languages}
    for slug in sorted(by_slug):
        files_by_lang = by_slug[slug]
        sources = tuple(files_by_lang.values())
        was = known.get(slug)
        if was is not None and len(was[0]) == len(sources) and all(a is b for a, b in zip(was[0], sources)):
            made[slug] = was
            for lang, version in (was[1] or {}).items():
                result[lang][slug] = version
            continue
        versions = _story_versions(slug, files_by_lang, config, resolver, drafts, problems)
        made[slug] = (sources, versions)
        for lang, version in (versions or {}).items():
            result[lang][slug] = version
    for lang, versions in result.items():
        result[lang] = dict(sorted(versions.items(), key=lambda kv: (-kv[1].date.toordinal(), kv[0])))
    return result


def _story_versions(slug: str, files_by_lang: dict[str, StoryFile], config: SiteConfig, resolver: Resolver,
                    drafts: bool, problems: list[Problem]) -> dict[str, StoryVersion] | None:
    """One story in every language (None: it has no original, or it is not published)."""
    default = config.default_language
    original = files_by_lang.get(default)
    if original is None:
        for f in files_by_lang.values():
            problems.append(Problem(f.path, 1, f"translation without its original {slug}.{default}.md"))
        return None
    base = _version(original, original, resolver)
    translations = {
        lang: _version(f, original, resolver, base)
        for lang, f in files_by_lang.items() if lang != default
    }
    if base is None or (base.draft and not drafts):
        return None
    versions = {}
    for lang in config.languages:
        version = base if lang == default else translations.get(lang)
        if version is None or (version.draft and not drafts):
            version = replace(base, lang=lang, fallback=True)
        versions[lang] = _with_digests(version, original, files_by_lang.get(lang))
    return versions


def _version(f: StoryFile, original: StoryFile, resolver: Resolver,
             base: StoryVersion | None = None) -> StoryVersion | None:
    """The version a reader of f.lang sees: f's fields over the original's.

    Ids are resolved even when a required field is missing, so that one run reports
    every problem of the file; the version itself is then None. What a translation
    inherits is taken from the original's version `base`, already resolved.
    """
    v = {**original.fields, **f.fields}
    ids = {
        key: getattr(base, key) if base and key not in f.fields else resolver.ids(v.get(key, ()), type_)
        for key, type_ in (("people", "person"), ("orgs", "org"), ("places", "place"))
    }
    if base and "events" not in f.fields:
        events = base.events
    else:
        events = tuple(
            Event(e.date, e.end, e.title, resolver.ids(e.people, "person"), resolver.ids(e.orgs, "org"),
                  resolver.ids(e.places, "place"), f.slug, i)
            for i, e in enumerate(v.get("events", ()))
        )
    body_file = f if f is original or f.body.strip() else original  # an empty body inherits
    links = base.links if base and body_file is original else resolver.ids(body_file.links, None)
    if not all(k in v for k in ("title", "date", "summary", "source")):
        return None  # a required field is missing or bad: reported while loading
    version = StoryVersion(
        slug=f.slug, lang=f.lang, title=v["title"], summary=v["summary"], date=v["date"], source=v["source"],
        people=ids["people"], orgs=ids["orgs"], places=ids["places"],
        tags=tuple(dict.fromkeys(r.id for r in v.get("tags", ()))), events=events,
        draft=bool(v.get("draft", False)), body=body_file.body, body_lang=body_file.lang, path=body_file.path,
        fallback=False, links=links, translated_from=v.get("translated_from"),
    )
    return replace(version, translatable=version_digest(version, version.body)) if f is original else version


def _with_digests(version: StoryVersion, original: StoryFile, translation: StoryFile | None) -> StoryVersion:
    """Digests from the files' front-matter text (what lists show) and the body's, which is
    cheaper than digesting the parsed values and changes exactly when they do."""
    fronts = (original.front_digest, translation.front_digest if translation and not version.fallback else "")
    head = digest(version.slug, version.lang, version.fallback, fronts, version.links)
    return with_body(replace(version, head_digest=head), version.body)


def with_body(version: StoryVersion, body: str) -> StoryVersion:
    """The version with another body and the digests that follow from it (head unchanged):
    build.py's shortcut when an edit touched only the text under a story's front-matter."""
    key = body_key(body)
    translatable = version_digest(version, body) if version.translatable and body != version.body else version.translatable
    return replace(version, body=body, body_key=key, digest=digest(version.head_digest, key, version.body_lang),
                   translatable=translatable)


class Related(Mapping):
    """Entity id → the RELATED_LIMIT entities named most often in the same stories, with the
    count (ties by id), for every entity some story names. Each is counted when first asked:
    a rebuild in `serve` renders a few entity pages, and counting them all is a third of
    assembling. Pickled as the plain dict it stands for (all counted then)."""

    def __init__(self, mentions: dict[str, tuple[str, ...]], versions: dict[str, StoryVersion]):
        self.mentions, self.versions, self.made = mentions, versions, {}

    def __getitem__(self, entity_id: str) -> tuple[tuple[str, int], ...]:
        found = self.made.get(entity_id)
        if found is None:
            counts: Counter = Counter()
            for slug in self.mentions[entity_id]:  # KeyError for an entity no story names
                counts.update(self.versions[slug].mentions)
            found = self.made[entity_id] = tuple(heapq.nsmallest(
                RELATED_LIMIT, ((j, n) for j, n in counts.items() if j != entity_id), key=lambda jn: (-jn[1], jn[0])))
        return found

    def __iter__(self):
        return iter(self.mentions)

    def __len__(self) -> int:
        return len(self.mentions)

    def __reduce__(self):
        return dict, (dict(self.items()),)


def _index(config: SiteConfig, entities: dict[str, Entity],
           stories: dict[str, dict[str, StoryVersion]]) -> Site:
    mentions, entity_events, related, events = {}, {}, {}, {}
    for lang, versions in stories.items():
        by_entity: dict[str, list[str]] = defaultdict(list)
        for slug, version in versions.items():
            for entity_id in version.mentions:
                by_entity[entity_id].append(slug)
        mentions[lang] = {i: tuple(s) for i, s in sorted(by_entity.items())}
        related[lang] = Related(mentions[lang], versions)
        all_events = sorted(
            (e for v in versions.values() for e in v.events),
            key=lambda e: (e.date.first_day(), e.end.last_day() if e.end else e.date.last_day(), e.story, e.index),
        )
        events[lang] = tuple(all_events)
        per_entity: dict[str, list[Event]] = defaultdict(list)
        for event in all_events:
            for entity_id in dict.fromkeys(event.entities):
                per_entity[entity_id].append(event)
        entity_events[lang] = {i: tuple(es) for i, es in sorted(per_entity.items())}
    children: dict[str, list[str]] = defaultdict(list)
    seated: dict[str, list[str]] = defaultdict(list)
    members: dict[str, list[tuple[str, Role]]] = defaultdict(list)
    for entity in entities.values():
        if entity.parent:
            children[entity.parent].append(entity.id)
        if entity.place:
            seated[entity.place].append(entity.id)
        for role in entity.roles:
            if role.org:
                members[role.org].append((entity.id, role))
    return Site(
        config=config, stories=stories, entities=entities, events=events, mentions=mentions,
        entity_events=entity_events, related=related,
        children={k: tuple(v) for k, v in sorted(children.items())},
        seated={k: tuple(v) for k, v in sorted(seated.items())},
        members={k: tuple(v) for k, v in sorted(members.items())},
    )

