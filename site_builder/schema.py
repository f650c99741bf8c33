"""The content format's schema: YAML nodes → typed values, with a problem for every bad one.

`Reader` reads the nodes of one file against a schema {key: (reader, required)}; values keep
their lines (ids as `Ref`s) so that problems found later can point at them. Used by load.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from site_builder.config import LANGUAGES, ORG_KINDS, PLACE_KINDS
from site_builder.errors import Problem, hint
from site_builder.model import PartialDate, Source, Text

STR, NULL, BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

DIGEST_LENGTH = 12  # of `translated_from` (translations.py)
DIGEST_RE = re.compile(rf"^[0-9a-f]{{{DIGEST_LENGTH}}}$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

TYPE_WORDS = {"person": "a person", "org": "an organisation", "place": "a place"}
ID_RULE = "lowercase ASCII letters, digits and hyphens"


@dataclass(frozen=True)
class Ref:
    """An id as written in a file: where, and under which key (for messages)."""

    id: str
    path: str
    line: int
    field: str = ""  # "people", "events.orgs", "parent", or the [[link]] itself


@dataclass(frozen=True)
class RawEvent:
    date: PartialDate
    end: PartialDate | None
    title: Text
    people: tuple[Ref, ...]
    orgs: tuple[Ref, ...]
    places: tuple[Ref, ...]
    line: int


@dataclass(frozen=True)
class RawRole:
    title: Text
    org: Ref | None
    start: PartialDate | None
    end: PartialDate | None


class Invalid(Exception):
    """One bad value: reported at its line, then loading goes on with the next field."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


class Reported(Exception):
    """A value left out whose problems are already reported (a required key is missing)."""


class Reader:
    """Reads YAML nodes of one file into typed values, collecting problems.

    Problems are prefixed with the path of keys being read ("source.publisher: …"), so a
    message says which field it is about even where the line holds several.
    """

    def __init__(self, path: str, offset: int, problems: list[Problem], lang: str):
        self.path, self.offset, self.problems, self.lang = path, offset, problems, lang
        self.keys: list[str] = []

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.offset

    def problem(self, line: int, message: str) -> None:
        prefix = ".".join(self.keys)
        self.problems.append(Problem(self.path, line, f"{prefix}: {message}" if prefix else message))

    def mapping(self, node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping's entries by key; duplicate and non-text keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            raise Invalid(self.line(node), "expected a mapping of keys to values")
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.problem(self.line(key), "a key must be a plain word")
            elif key.value in entries:
                first = self.line(entries[key.value][0])
                self.problem(self.line(key), f"duplicate key '{key.value}' (first set at line {first})")
            else:
                entries[key.value] = (key, value)
        return entries

    def fields(self, node: yaml.Node, schema: dict[str, tuple[Callable, bool]],
               missing_line: int | None = None) -> tuple[dict, dict]:
        """Read a mapping against a schema {key: (reader, required)} → (values, lines).

        A bad value is reported and left out, so the caller sees only good values.
        """
        entries = self.mapping(node)
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, (key_node, value_node) in entries.items():
            if key not in schema:
                self.problem(self.line(key_node), f"unknown key '{key}'{hint(key, schema)}")
                continue
            lines[key] = self.line(key_node)
            self.keys.append(key)
            try:
                values[key] = schema[key][0](self, value_node)
            except Invalid as bad:
                self.problem(bad.line, bad.message)
            except Reported:
                pass
            finally:
                self.keys.pop()
        for key, (_, required) in schema.items():
            if required and key not in entries:
                self.problem(missing_line or self.line(node), f"missing required key '{key}'")
        return values, lines

    def each(self, node: yaml.Node, what: str, read_one: Callable[[yaml.Node], Any]) -> tuple:
        """A list (or nothing), each item read on its own so one bad item hides no other."""
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise Invalid(self.line(node), f"expected a list of {what}")
        items = []
        for item in node.value:
            try:
                items.append(read_one(item))
            except Invalid as bad:
                self.problem(bad.line, bad.message)
            except Reported:
                pass
        return tuple(items)

    # Scalars ---------------------------------------------------------------------------
    def string(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise Invalid(self.line(node), "expected text, not a " + ("list" if isinstance(node, yaml.SequenceNode) else "mapping"))
        if node.tag == NULL or not node.value.strip():
            raise Invalid(self.line(node), "is empty")
        if node.tag != STR:
            raise Invalid(self.line(node), f"expected text, but YAML reads '{node.value}' as {yaml_reading(node)}: put it in quotes")
        return node.value

    def text(self, node: yaml.Node) -> Text:
        """A plain string in the file's language, or a map {lang: string}."""
        if isinstance(node, yaml.MappingNode):
            values = {}
            for lang, (key, value) in self.mapping(node).items():
                if lang not in LANGUAGES:
                    raise Invalid(self.line(key), f"unknown language '{lang}'{hint(lang, LANGUAGES)}")
                values[lang] = self.string(value)
            if not values:
                raise Invalid(self.line(node), "is empty")
            return Text.of(values)
        return Text.of({self.lang: self.string(node)})

    def boolean(self, node: yaml.Node) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL:
            raise Invalid(self.line(node), "expected true or false")
        return node.value.lower() in ("true", "yes", "on")

    def count(self, node: yaml.Node) -> int:
        """site.yaml's `page_size` (entries per page of a split list: paging.py) and
        `search_shard_size` (pages per search shard: search.py)."""
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:int" or not node.value.isdigit() or int(node.value) < 1:
            raise Invalid(self.line(node), "expected a whole number, 1 or more")
        return int(node.value)

    def url(self, node: yaml.Node) -> str:
        value = self.string(node)
        if not re.match(r"^https?://[^\s/]+", value):
            raise Invalid(self.line(node), f"expected an http(s) URL, got '{value}'")
        return value

    def partial_date(self, node: yaml.Node) -> PartialDate:
        value = node.value.strip() if isinstance(node, yaml.ScalarNode) else ""
        match = DATE_RE.match(value)
        if not match:
            raise Invalid(self.line(node), f"expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got '{value or '…'}'")
        year, month, day = (int(part) if part else 0 for part in match.groups())
        try:
            dt.date(year, month or 1, day or 1)
        except ValueError:
            raise Invalid(self.line(node), f"impossible date '{value}'") from None
        return PartialDate(year, month, day)

    def full_date(self, node: yaml.Node) -> dt.date:
        date = self.partial_date(node)
        if date.precision != "day":
            raise Invalid(self.line(node), f"expected a full date YYYY-MM-DD, got '{node.value}'")
        return date.first_day()

    def id(self, node: yaml.Node) -> Ref:
        value = self.string(node)
        if not ID_RE.match(value):
            raise Invalid(self.line(node), f"'{value}' is not an id ({ID_RULE})")
        return Ref(value, self.path, self.line(node), ".".join(self.keys))

    def id_list(self, node: yaml.Node) -> tuple[Ref, ...]:
        return self.each(node, "ids, like [an-id, another-id]", self.id)

    def string_list(self, node: yaml.Node) -> tuple[str, ...]:
        return self.each(node, "texts", self.string)

    def digest(self, node: yaml.Node) -> str:
        """`translated_from`: written by `new story --translate` and `status --ack`."""
        value = self.string(node)
        if not DIGEST_RE.match(value):
            raise Invalid(self.line(node), f"expected the {DIGEST_LENGTH}-digit hex digest that 'python -m site_builder status --ack' writes, got '{value}'")
        return value

    def tag_names(self, node: yaml.Node) -> dict[str, Text]:
        names = {}
        for tag, (key, value) in self.mapping(node).items():
            if not ID_RE.match(tag):
                self.problem(self.line(key), f"'{tag}' is not a tag id ({ID_RULE})")
                continue
            self.keys.append(tag)
            try:
                names[tag] = self.text(value)
            except Invalid as bad:
                self.problem(bad.line, bad.message)
            finally:
                self.keys.pop()
        return names

    # Composite values ------------------------------------------------------------------
    def source(self, node: yaml.Node) -> Source:
        values, _ = self.fields(node, SOURCE_SCHEMA)
        if "publisher" not in values or "title" not in values:
            raise Reported
        return Source(values["publisher"], values["title"], values.get("url"), values.get("author"))

    def sources(self, node: yaml.Node) -> tuple[Source, ...]:
        """An entity's `sources`: each read on its own, so one bad item hides no other."""
        def one(item: yaml.Node) -> Source:
            values, _ = self.fields(item, ENTITY_SOURCE_SCHEMA)
            if "publisher" not in values or "title" not in values:
                raise Reported
            return Source(values["publisher"], values["title"], values.get("url"), values.get("author"),
                          values.get("date"))
        return self.each(node, "sources, each a mapping with publisher and title", one)

    def events(self, node: yaml.Node) -> tuple[RawEvent, ...]:
        def one(item: yaml.Node) -> RawEvent:
            values, lines = self.fields(item, EVENT_SCHEMA)
            if "date" not in values or "title" not in values:
                raise Reported
            self.check_span(values, lines, "date")
            return RawEvent(values["date"], values.get("end"), values["title"], values.get("people", ()),
                            values.get("orgs", ()), values.get("places", ()), self.line(item))
        return self.each(node, "events", one)

    def roles(self, node: yaml.Node) -> tuple[RawRole, ...]:
        def one(item: yaml.Node) -> RawRole:
            values, lines = self.fields(item, ROLE_SCHEMA)
            if "title" not in values:
                raise Reported
            self.check_span(values, lines, "start")
            return RawRole(values["title"], values.get("org"), values.get("start"), values.get("end"))
        return self.each(node, "roles", one)

    def check_span(self, values: dict, lines: dict, start: str) -> None:
        first, last = values.get(start), values.get("end")
        if first and last and last.last_day() < first.first_day():
            self.problem(lines["end"], f"end {last.iso()} is before {start} {first.iso()}")

    def require_language(self, values: dict, lines: dict, keys: tuple[str, ...]) -> None:
        """The texts every other language falls back to must exist in this file's language."""
        for key in keys:
            if key in values and not values[key].has(self.lang):
                self.problem(lines[key], f"{key}: missing the '{self.lang}' text, which other languages fall back to")


def yaml_reading(node: yaml.ScalarNode) -> str:
    """What YAML makes of a plain scalar that a person would read as text."""
    try:
        value = yaml.constructor.SafeConstructor().construct_object(node)
    except yaml.YAMLError:
        return f"a value tagged {node.tag}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, dt.date):
        return "a date"
    return f"a value tagged {node.tag}"


def choice(options: tuple[str, ...]) -> Callable[[Reader, yaml.Node], str]:
    """A reader accepting one word of a fixed list."""
    def read(reader: Reader, node: yaml.Node) -> str:
        value = reader.string(node)
        if value not in options:
            raise Invalid(reader.line(node), f"unknown kind '{value}'{hint(value, options)}")
        return value
    return read


SOURCE_SCHEMA = {
    "publisher": (Reader.text, True), "title": (Reader.text, True),
    "url": (Reader.url, False), "author": (Reader.text, False),
}
ENTITY_SOURCE_SCHEMA = {**SOURCE_SCHEMA, "date": (Reader.partial_date, False)}
EVENT_SCHEMA = {
    "date": (Reader.partial_date, True), "end": (Reader.partial_date, False),
    "title": (Reader.text, True), "people": (Reader.id_list, False),
    "orgs": (Reader.id_list, False), "places": (Reader.id_list, False),
}
ROLE_SCHEMA = {
    "title": (Reader.text, True), "org": (Reader.id, False),
    "start": (Reader.partial_date, False), "end": (Reader.partial_date, False),
}
STORY_SCHEMA = {
    "title": (Reader.text, True), "date": (Reader.full_date, True), "summary": (Reader.text, True),
    "source": (Reader.source, True), "people": (Reader.id_list, False), "orgs": (Reader.id_list, False),
    "places": (Reader.id_list, False), "tags": (Reader.id_list, False), "events": (Reader.events, False),
    "draft": (Reader.boolean, False),
}
TRANSLATION_SCHEMA = {key: (read, False) for key, (read, _) in STORY_SCHEMA.items()}  # it inherits
TRANSLATION_SCHEMA["translated_from"] = (Reader.digest, False)
ENTITY_COMMON = {"name": (Reader.text, True), "summary": (Reader.text, False), "aliases": (Reader.string_list, False)}
ENTITY_SOURCES = {"sources": (Reader.sources, False)}
ENTITY_SCHEMAS = {
    "person": {**ENTITY_COMMON, "roles": (Reader.roles, False), **ENTITY_SOURCES},
    "org": {**ENTITY_COMMON, "short": (Reader.text, False), "kind": (choice(ORG_KINDS), False),
            "parent": (Reader.id, False), "place": (Reader.id, False), "url": (Reader.url, False), **ENTITY_SOURCES},
    "place": {**ENTITY_COMMON, "kind": (choice(PLACE_KINDS), False), "parent": (Reader.id, False), **ENTITY_SOURCES},
}
SITE_SCHEMA = {
    "title": (Reader.text, True), "tagline": (Reader.text, False), "base_url": (Reader.url, True),
    "languages": (Reader.string_list, False), "default_language": (Reader.string, False),
    "tags": (Reader.tag_names, False),
    "description": (Reader.text, False), "licence": (Reader.text, False),
    "page_size": (Reader.count, False), "search_shard_size": (Reader.count, False),
}
