"""The site model as open data: tables with stable ids, keys and types (Site → Tables).

Pure functions of the `Site`: the same model gives the same rows in the same order, so every
file made from them (datafiles.py: CSV, the Data Package, SQLite, JSON-LD) has the same bytes
on any machine. One set of tables serves every language: entity lists and co-mentions are the
original (default-language) stories', as are the mentions of `mentions.csv`; each language's
texts and URLs are columns of their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from site_builder import urls
from site_builder.model import Entity, PartialDate, Role, Site, StoryVersion, Text, story_state
from site_builder.translations import STORY_STATES

TABLE_NAMES = ("entities", "stories", "mentions", "events", "event_entities", "roles", "relations")  # build_tables' order
LIST_SEPARATOR = " | "  # between the values of a list in one cell (aliases, evidence stories)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless type: string, integer, date
    description: str
    required: bool = False
    pattern: str | None = None  # a regular expression every value matches


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    rows: tuple[tuple[object, ...], ...]  # None for an empty cell


PARTIAL = r"\d{4}(-\d{2}(-\d{2})?)?"  # YYYY, YYYY-MM or YYYY-MM-DD
PRECISION = "year|month|day"


def to_entity(*fields: str) -> ForeignKey:
    return ForeignKey(fields, "entities", ("id",))


def text_of(text: Text | None, lang: str) -> str | None:
    """The text in exactly this language, or None: a missing translation stays empty."""
    return dict(text.values).get(lang) if text else None


def picked(text: Text | None, lang: str) -> str | None:
    return text.pick(lang, lang)[0] if text else None


def iso(date: PartialDate | None) -> str | None:
    return date.iso() if date else None


def translation_status(site: Site, slug: str, lang: str) -> str:
    """A story's translation state in `lang`, as `status` and /L/translations/ report it."""
    return story_state(site.stories[site.config.default_language][slug], site.stories[lang][slug])


def co_mentions(site: Site, lang: str) -> dict[tuple[str, str], list[str]]:
    """(entity, entity) → the slugs of the stories naming both, newest first, for the pairs
    each entity page ranks (`site.related`)."""
    wanted = {(i, j) for i, ranked in site.related[lang].items() for j, _ in ranked}
    found: dict[tuple[str, str], list[str]] = {pair: [] for pair in wanted}
    partners: dict[str, set[str]] = {}
    for i, j in wanted:
        partners.setdefault(i, set()).add(j)
    for slug, version in site.stories[lang].items():
        named = version.mentions
        present = set(named)
        for i in named:
            for j in partners.get(i, ()):
                if j in present:
                    found[(i, j)].append(slug)
    return found


def build_tables(site: Site) -> tuple[Table, ...]:
    """Every table, in the order of the Data Package (referenced tables first)."""
    langs, default = site.config.languages, site.config.default_language
    originals = site.stories[default]
    return (entities_table(site, langs, default), stories_table(site, langs, default),
            mentions_table(originals), *events_tables(originals, langs),
            roles_table(site, langs), relations_table(site, default))


def entities_table(site: Site, langs: tuple[str, ...], default: str) -> Table:
    columns = (
        Column("id", "string", "The entity's id: its file name, and the last part of its page's URL.", True),
        Column("type", "string", "person, org or place.", True, "person|org|place"),
        Column("kind", "string", "The kind of organisation or place (government, company, city…)."),
        *(Column(f"name_{lang}", "string", f"The name in {lang}, empty when none is known.", lang == default)
          for lang in langs),
        Column("short", "string", "An organisation's short name or abbreviation."),
        Column("aliases", "string", f"Other names, separated by '{LIST_SEPARATOR.strip()}'."),
        Column("parent", "string", "The id of the organisation or place it is part of."),
        Column("place", "string", "The id of the place an organisation is based in."),
        Column("url", "string", "The official website."),
        Column("first_mentioned", "date", "The date of the oldest story naming it."),
        Column("last_mentioned", "date", "The date of the newest story naming it."),
        Column("stories", "integer", "How many stories name it.", True),
        *(Column(f"page_{lang}", "string", f"Its page in {lang}.", True) for lang in langs),
    )
    mentions, versions = site.mentions[default], site.stories[default]
    rows = []
    for e in site.entities.values():
        slugs = mentions.get(e.id, ())
        rows.append((e.id, e.type, e.kind, *(text_of(e.name, lang) for lang in langs), picked(e.short, default),
                     LIST_SEPARATOR.join(e.aliases) or None, e.parent, e.place, e.url,
                     versions[slugs[-1]].date.isoformat() if slugs else None,
                     versions[slugs[0]].date.isoformat() if slugs else None, len(slugs),
                     *(site.config.base_url + urls.entity(lang, e) for lang in langs)))
    return Table("entities", "The people, organisations and places of the registry.", columns, ("id",),
                 (to_entity("parent"), to_entity("place")), tuple(rows))


def stories_table(site: Site, langs: tuple[str, ...], default: str) -> Table:
    others = [lang for lang in langs if lang != default]
    columns = (
        Column("slug", "string", "The story's id: its file name, and the last part of its URL.", True),
        Column("date", "date", "The publication date of the source.", True),
        *(Column(f"title_{lang}", "string", f"The title in {lang}, empty when not translated.", lang == default)
          for lang in langs),
        *(Column(f"status_{lang}", "string", f"The {lang} translation: current, stale (the original changed since), "
                 "unverified (no record of what it was made from) or missing (its page shows the original).",
                 True, "|".join(STORY_STATES)) for lang in others),
        Column("source_publisher", "string", "Who published the source.", True),
        Column("source_title", "string", "The source's title.", True),
        Column("source_author", "string", "The source's author, when named."),
        Column("source_url", "string", "The source's address, when online."),
        *(Column(f"url_{lang}", "string", f"The story's page in {lang}.", True) for lang in langs),
    )
    rows = []
    for slug, version in site.stories[default].items():
        source = version.source
        rows.append((slug, version.date.isoformat(), *(text_of(site.stories[lang][slug].title, lang) for lang in langs),
                     *(translation_status(site, slug, lang) for lang in others),
                     picked(source.publisher, default), picked(source.title, default), picked(source.author, default),
                     source.url, *(site.config.base_url + urls.story(lang, slug) for lang in langs)))
    return Table("stories", "Every published story, newest first.", columns, ("slug",), (), tuple(rows))


def mentions_table(originals: dict[str, StoryVersion]) -> Table:
    columns = (
        Column("story", "string", "The story's slug.", True),
        Column("entity", "string", "The entity's id.", True),
        Column("where", "string", "front-matter: in the story's people, orgs or places; event: in one of its events; "
               "body: linked in its text.", True, "front-matter|event|body"),
    )
    rows = []
    for slug, version in originals.items():
        places = {"front-matter": version.entities, "event": [i for e in version.events for i in e.entities],
                  "body": version.links}
        for where, ids in places.items():
            rows += [(slug, entity_id, where) for entity_id in dict.fromkeys(ids)]
    return Table("mentions", "Which story names which entity, and where.", columns, ("story", "entity", "where"),
                 (ForeignKey(("story",), "stories", ("slug",)), to_entity("entity")), tuple(rows))


def events_tables(originals: dict[str, StoryVersion], langs: tuple[str, ...]) -> tuple[Table, Table]:
    columns = (
        Column("id", "string", "The event's id: its anchor on the timeline page.", True),
        Column("story", "string", "The slug of the story reporting it.", True),
        Column("date", "string", "When it happened: YYYY, YYYY-MM or YYYY-MM-DD.", True, PARTIAL),
        Column("precision", "string", "year, month or day.", True, PRECISION),
        Column("start", "date", "The first day of `date`, for sorting.", True),
        Column("end", "string", "The end of a range, when it is one.", False, PARTIAL),
        Column("end_precision", "string", "year, month or day.", False, PRECISION),
        *(Column(f"title_{lang}", "string", f"The title in {lang}, empty when not translated.") for lang in langs),
    )
    rows, links = [], []
    for slug in sorted(originals):
        for event in originals[slug].events:
            rows.append((event.anchor, slug, event.date.iso(), event.date.precision, event.date.first_day().isoformat(),
                         iso(event.end), event.end.precision if event.end else None,
                         *(text_of(event.title, lang) for lang in langs)))
            links += [(event.anchor, entity_id) for entity_id in dict.fromkeys(event.entities)]
    events = Table("events", "Dated happenings the stories report.", columns, ("id",),
                   (ForeignKey(("story",), "stories", ("slug",)),), tuple(rows))
    named = Table("event_entities", "Which event names which entity.",
                  (Column("event", "string", "The event's id.", True), Column("entity", "string", "The entity's id.", True)),
                  ("event", "entity"), (ForeignKey(("event",), "events", ("id",)), to_entity("entity")), tuple(links))
    return events, named


def roles_table(site: Site, langs: tuple[str, ...]) -> Table:
    columns = (
        Column("person", "string", "The person's id.", True),
        Column("position", "integer", "The role's place in the person's list (1 is the first).", True),
        *(Column(f"title_{lang}", "string", f"The title in {lang}, empty when not translated.") for lang in langs),
        Column("org", "string", "The id of the organisation."),
        Column("start", "string", "Held from the first day of this period.", False, PARTIAL),
        Column("end", "string", "Held to the last day of this period; empty while held.", False, PARTIAL),
    )
    rows = [(e.id, n, *(text_of(role.title, lang) for lang in langs), role.org, iso(role.start), iso(role.end))
            for e in site.entities.values() for n, role in enumerate(e.roles, 1)]
    return Table("roles", "Who held which role, where and when.", columns, ("person", "position"),
                 (to_entity("person"), to_entity("org")), tuple(rows))


def curated_relations(site: Site, entity: Entity) -> list[tuple[str, str, int]]:
    """(target, type, weight) the entity files state: its parent, its place, its roles' orgs."""
    found = []
    if entity.parent:
        found.append((entity.parent, "parent", 1))
    if entity.place:
        found.append((entity.place, "place", 1))
    roles = Counter(role.org for role in entity.roles if role.org)
    found += [(org, "role", n) for org, n in roles.items()]
    return found


def relations_table(site: Site, default: str) -> Table:
    columns = (
        Column("source", "string", "The entity's id.", True),
        Column("target", "string", "The related entity's id.", True),
        Column("type", "string", "parent: source is part of target; place: source is based in target; role: source held "
               "a role at target; co-mention: named in the same stories.", True, "parent|place|role|co-mention"),
        Column("weight", "integer", "Roles held, or stories naming both.", True),
        Column("basis", "string", "curated (the entity files say so) or co-mention (the stories do).", True,
               "curated|co-mention"),
        Column("rank", "integer", "For co-mentions, the place among the source's related entities (1 is the first)."),
        Column("stories", "string", f"For co-mentions, the slugs of the stories naming both, newest first, separated by "
               f"'{LIST_SEPARATOR.strip()}'."),
    )
    evidence = co_mentions(site, default)
    rows = []
    for e in site.entities.values():
        rows += [(e.id, target, type_, weight, "curated", None, None) for target, type_, weight in curated_relations(site, e)]
        rows += [(e.id, other, "co-mention", count, "co-mention", rank, LIST_SEPARATOR.join(evidence[(e.id, other)]))
                 for rank, (other, count) in enumerate(site.related[default].get(e.id, ()), 1)]
    return Table("relations", "How entities connect: what the entity files state, and who is named together.",
                 columns, ("source", "target", "type"), (to_entity("source"), to_entity("target")), tuple(rows))


def roles_of(entity: Entity) -> list[tuple[Role, bool]]:
    """The entity's roles, held now first (no end recorded), each with whether it is."""
    current = [(r, True) for r in entity.roles if r.end is None]
    return current + [(r, False) for r in entity.roles if r.end is not None]
