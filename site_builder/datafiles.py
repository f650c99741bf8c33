"""Tables → the files of `/data/`: CSV, a Frictionless Data Package, SQLite, JSON-LD, and one
JSON per entity. Pure functions to bytes, so a build writes a file only when its bytes change
and two builds of the same content give the same bytes (no clock, no hash order, no paths).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass

from site_builder import urls
from site_builder.config import LANGUAGES
from site_builder.model import Entity, Site, Text
from site_builder.opendata import TABLE_NAMES, Table, build_tables, curated_relations, roles_of

DATA = "data/"
FIXED_FILES = ("datapackage.json", "briefing.sqlite", "graph.jsonld")
SCHEMA_TYPES = {"person": "Person", "org": "Organization", "place": "Place"}
SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "date": "TEXT"}


def file_names() -> list[str]:
    """Every site-wide data file's site path, CSVs first."""
    return [f"{DATA}{name}.csv" for name in TABLE_NAMES] + [DATA + name for name in FIXED_FILES]


def entity_file(entity_id: str) -> str:
    return f"{DATA}entities/{entity_id}.json"


def dumps(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


@dataclass
class DataFiles:
    """The site's data files, made on first use: a build renders them in any process."""

    site: Site
    _tables: tuple[Table, ...] | None = None

    @property
    def tables(self) -> tuple[Table, ...]:
        if self._tables is None:
            self._tables = build_tables(self.site)
        return self._tables

    def render(self, path: str) -> tuple[bytes, frozenset[str]]:
        """The file's bytes and the entities it shows besides those its route depends on
        (an entity's JSON shows its members' roles: their files' digests count too)."""
        name = path[len(DATA):]
        if name.startswith("entities/"):
            entity = self.site.entities[name[len("entities/"):-len(".json")]]
            return entity_json(self.site, entity), frozenset(p for p, _ in self.site.members.get(entity.id, ()))
        if name == "datapackage.json":
            return datapackage(self.site, self.tables), frozenset()
        if name == "briefing.sqlite":
            return sqlite_bytes(self.tables), frozenset()
        if name == "graph.jsonld":
            return graph(self.site), frozenset()
        table = next(t for t in self.tables if f"{t.name}.csv" == name)
        return csv_bytes(table), frozenset()


def csv_bytes(table: Table) -> bytes:
    """UTF-8, a header row, `\\r\\n` line ends (RFC 4180), empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return buffer.getvalue().encode("utf-8")


def datapackage(site: Site, tables: tuple[Table, ...]) -> bytes:
    default = site.config.default_language
    licence = site.config.licence.pick(default, default)[0] if site.config.licence else None
    package: dict = {
        "profile": "tabular-data-package",
        "name": "briefing",
        "title": site.config.title.pick(default, default)[0],
        "homepage": site.config.base_url + f"{default}/data/",
    }
    if site.config.description:
        package["description"] = site.config.description.pick(default, default)[0]
    if licence:
        package["licenses"] = [{"name": "site-licence", "title": licence, "path": site.config.base_url + f"{default}/data/"}]
    package["resources"] = [resource(t) for t in tables]
    return dumps(package)


def resource(table: Table) -> dict:
    fields = []
    for c in table.columns:
        field: dict = {"name": c.name, "type": c.type, "description": c.description}
        constraints = {}
        if c.required or c.name in table.primary_key:
            constraints["required"] = True
        if c.pattern:
            constraints["pattern"] = c.pattern
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict = {"fields": fields, "missingValues": [""], "primaryKey": list(table.primary_key)}
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": list(k.fields), "reference": {"resource": k.table, "fields": list(k.reference)}}
                                 for k in table.foreign_keys]
    return {"name": table.name, "path": f"{table.name}.csv", "profile": "tabular-data-resource",
            "description": table.description, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": schema}


def sqlite_bytes(tables: tuple[Table, ...]) -> bytes:
    """The tables in one SQLite file with their keys, and `search`, a full-text index (FTS5,
    trigram: substrings of three characters or more, in any script) over titles and names.

    Built in memory with a fixed page size and rows in table order, then written compactly by
    `VACUUM INTO` (half the time of building on disk and vacuuming there): the same tables give
    the same bytes with the same SQLite library.
    """
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.execute("PRAGMA page_size = 4096")
        db.execute("BEGIN")
        for table in tables:
            db.execute(create_table(table))
            marks = ", ".join("?" * len(table.columns))
            db.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', table.rows)
        db.execute("CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, id UNINDEXED, text, tokenize = 'trigram')")
        db.executemany("INSERT INTO search VALUES (?, ?, ?)", search_rows(tables))
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:  # assemble resolved every id: this would be a bug here
            raise RuntimeError(f"briefing.sqlite: foreign keys do not resolve: {broken[:5]}")
        db.execute("COMMIT")
        with tempfile.TemporaryDirectory(prefix="briefing-sqlite-") as tmp:
            path = os.path.join(tmp, "briefing.sqlite")
            db.execute("VACUUM INTO ?", (path,))
            with open(path, "rb") as f:
                return f.read()
    finally:
        db.close()


def create_table(table: Table) -> str:
    columns = []
    for c in table.columns:
        null = " NOT NULL" if c.required or c.name in table.primary_key else ""
        columns.append(f'"{c.name}" {SQL_TYPES[c.type]}{null}')
    columns.append("PRIMARY KEY (" + ", ".join(f'"{n}"' for n in table.primary_key) + ")")
    for key in table.foreign_keys:
        fields, ref = ", ".join(f'"{f}"' for f in key.fields), ", ".join(f'"{f}"' for f in key.reference)
        columns.append(f'FOREIGN KEY ({fields}) REFERENCES "{key.table}" ({ref})')
    return f'CREATE TABLE "{table.name}" (\n  ' + ",\n  ".join(columns) + "\n)"


def search_rows(tables: tuple[Table, ...]) -> list[tuple[str, str, str]]:
    """(kind, id, text): every entity's names and aliases, every story's and event's titles."""
    rows = []
    wanted = {"entities": ("entity", ("name_", "short", "aliases")), "stories": ("story", ("title_",)),
              "events": ("event", ("title_",))}
    for table in tables:
        if table.name not in wanted:
            continue
        kind, prefixes = wanted[table.name]
        names = [c.name for c in table.columns]
        picks = [i for i, n in enumerate(names) if n.startswith(prefixes)]
        for row in table.rows:
            text = "\n".join(str(row[i]) for i in picks if row[i])
            rows.append((kind, row[0], text))
    return rows


# JSON-LD and per-entity JSON -----------------------------------------------------------
def language_values(text: Text | None) -> list[dict] | None:
    if not text:
        return None
    return [{"@value": value, "@language": LANGUAGES[lang].hreflang} for lang, value in text.values]


def entity_id(site: Site, entity: Entity) -> str:
    """An entity's @id: its page in the default language (as on the pages' JSON-LD)."""
    return site.config.base_url + urls.entity(site.config.default_language, entity)


def story_id(site: Site, lang: str, slug: str) -> str:
    return site.config.base_url + urls.story(lang, slug)


def graph(site: Site) -> bytes:
    """Every entity and story as schema.org nodes in one @graph; curated relations as
    schema.org properties (parentOrganization, containedInPlace, location, memberOf roles),
    co-mentions through the stories' `about` and `mentions`."""
    default, langs = site.config.default_language, site.config.languages
    nodes = []
    for e in site.entities.values():
        node: dict = {"@id": entity_id(site, e), "@type": SCHEMA_TYPES[e.type], "name": language_values(e.name),
                      "url": [site.config.base_url + urls.entity(lang, e) for lang in langs]}
        alternate = list(e.aliases) + [v for _, v in (e.short.values if e.short else ())]
        if alternate:
            node["alternateName"] = alternate
        if e.summary:
            node["description"] = language_values(e.summary)
        if e.url:
            node["sameAs"] = e.url
        if e.parent:
            node["containedInPlace" if e.type == "place" else "parentOrganization"] = {"@id": entity_id(site, site.entities[e.parent])}
        if e.place:
            node["location"] = {"@id": entity_id(site, site.entities[e.place])}
        roles = []
        for role in e.roles:
            item: dict = {"@type": "OrganizationRole", "roleName": language_values(role.title)}
            if role.org:
                item["memberOf"] = {"@id": entity_id(site, site.entities[role.org])}
            if role.start:
                item["startDate"] = role.start.iso()
            if role.end:
                item["endDate"] = role.end.iso()
            roles.append(item)
        if roles:
            node["memberOf"] = roles
        nodes.append(node)
    for slug, version in site.stories[default].items():
        about = [{"@id": entity_id(site, site.entities[i])} for i in version.entities]
        mentions = [{"@id": entity_id(site, site.entities[i])} for i in version.mentions if i not in version.entities]
        for lang in langs:
            v = site.stories[lang][slug]
            if v.fallback:
                continue
            node = {"@id": story_id(site, lang, slug), "@type": "NewsArticle", "headline": v.title.pick(lang, default)[0],
                    "inLanguage": LANGUAGES[lang].hreflang,  # not the body's: data never depends on bodies "datePublished": v.date.isoformat(),
                    "isBasedOn": {"@type": "CreativeWork", "name": v.source.title.pick(default, default)[0],
                                  "publisher": {"@type": "Organization", "name": v.source.publisher.pick(default, default)[0]},
                                  **({"url": v.source.url} if v.source.url else {})},
                    "about": about, "mentions": mentions}
            if lang != default:
                node["translationOfWork"] = {"@id": story_id(site, default, slug)}
            nodes.append(node)
    # One node a line: readable with line tools, and json's C encoder (it has none for indent).
    lines = ",\n".join(json.dumps(node, ensure_ascii=False) for node in nodes)
    return f'{{"@context": "https://schema.org", "@graph": [\n{lines}\n]}}\n'.encode("utf-8")


def entity_json(site: Site, e: Entity) -> bytes:
    """What the entity page's box and diagram show, as data (ids, not names, for the others)."""
    default, langs = site.config.default_language, site.config.languages
    slugs = site.mentions[default].get(e.id, ())
    versions = site.stories[default]
    value: dict = {
        "id": e.id, "type": e.type, "kind": e.kind, "name": dict(e.name.values),
        "short": dict(e.short.values) if e.short else None, "aliases": list(e.aliases),
        "summary": dict(e.summary.values) if e.summary else None, "url": e.url,
        "pages": {lang: site.config.base_url + urls.entity(lang, e) for lang in langs},
        "parent": e.parent, "children": list(site.children.get(e.id, ())), "place": e.place,
        "based_here": list(site.seated.get(e.id, ())),
        "roles": [{"title": dict(r.title.values), "org": r.org, "start": r.start.iso() if r.start else None,
                   "end": r.end.iso() if r.end else None, "current": now} for r, now in roles_of(e)],
        "members": [{"person": p, "title": dict(r.title.values), "start": r.start.iso() if r.start else None,
                     "end": r.end.iso() if r.end else None} for p, r in site.members.get(e.id, ())],
        "first_mentioned": versions[slugs[-1]].date.isoformat() if slugs else None,
        "last_mentioned": versions[slugs[0]].date.isoformat() if slugs else None,
        "stories": len(slugs),
        "sources": [{"publisher": dict(src.publisher.values), "title": dict(src.title.values),
                     "date": src.date.iso() if src.date else None, "url": src.url} for src in e.sources],
        "events": [{"id": ev.anchor, "date": ev.date.iso(), "end": ev.end.iso() if ev.end else None,
                    "title": dict(ev.title.values), "story": ev.story} for ev in site.entity_events[default].get(e.id, ())],
        "relations": [{"target": t, "type": kind, "weight": w, "basis": "curated"} for t, kind, w in curated_relations(site, e)]
        + [{"target": other, "type": "co-mention", "weight": n, "basis": "co-mention", "rank": rank}
           for rank, (other, n) in enumerate(site.related[default].get(e.id, ()), 1)],
    }
    return dumps(value)

