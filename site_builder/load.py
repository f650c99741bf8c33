"""Stage 1, load: content files → per-file records, each checked against the format.

Input: a content directory. Output: `Content` (a SiteConfig, story files, entity files)
plus every problem found. YAML is composed into nodes, never constructed, so that every
value keeps its line and YAML's silent coercions (`no` → False, `1.10` → 1.1) can be
reported instead of accepted. Ids are kept as `Ref`s with their lines; assemble.py
resolves them once every file is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from site_builder.config import ENTITY_TYPES, LANGUAGES, ORG_KINDS, PLACE_KINDS
from site_builder.errors import Problem, suggest
from site_builder.model import PartialDate, SiteConfig, Source, Text

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
STORY_NAME_RE = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[^.]+)\.md$")
WIKILINK_RE = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
CODE_SPAN_RE = re.compile(r"(`+).+?\1")
TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a boolean (true/false)",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:timestamp": "a date",
}


@dataclass(frozen=True)
class Ref:
    """An id as written in a file, with where it was written."""

    id: str
    path: str
    line: int


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
class StoryFile:
    slug: str
    lang: str
    path: str
    fields: dict[str, Any]  # only the keys the file sets: a translation inherits the rest
    lines: dict[str, int]  # key → line, for messages
    body: str
    links: tuple[Ref, ...]  # [[id]] in the body, outside code
    digest: str


@dataclass(frozen=True)
class RawRole:
    title: Text
    org: Ref | None
    start: PartialDate | None
    end: PartialDate | None


@dataclass(frozen=True)
class EntityFile:
    type: str
    id: str
    path: str
    fields: dict[str, Any]
    digest: str


@dataclass
class Content:
    config: SiteConfig | None
    stories: list[StoryFile] = field(default_factory=list)
    entities: list[EntityFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Invalid(Exception):
    """One bad value: reported at its line, then loading goes on with the next field."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


class Reader:
    """Reads YAML nodes of one file into typed values, collecting problems."""

    def __init__(self, path: str, offset: int, problems: list[Problem], lang: str):
        self.path, self.offset, self.problems, self.lang = path, offset, problems, lang

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.offset

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping's entries by key; duplicate and non-text keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            raise Invalid(self.line(node), f"{what} must be a mapping of keys to values")
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.problem(self.line(key), f"{what}: a key must be a plain word")
                continue
            if key.value in entries:
                first = self.line(entries[key.value][0])
                self.problem(self.line(key), f"duplicate key '{key.value}' (first set at line {first})")
                continue
            entries[key.value] = (key, value)
        return entries

    def fields(self, node: yaml.Node, what: str, schema: dict[str, tuple[Callable, bool]]) -> tuple[dict, dict]:
        """Read a mapping against a schema {key: (reader, required)} → (values, lines)."""
        entries = self.mapping(node, what)
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, (key_node, value_node) in entries.items():
            if key not in schema:
                hint = suggest(key, schema) or " (allowed: " + ", ".join(schema) + ")"
                self.problem(self.line(key_node), f"unknown key '{key}' in {what}{hint}")
                continue
            lines[key] = self.line(key_node)
            try:
                values[key] = schema[key][0](self, value_node)
            except Invalid as bad:
                self.problem(bad.line, f"{key}: {bad.message}")
        for key, (_, required) in schema.items():
            if required and key not in entries:
                self.problem(self.line(node), f"missing required key '{key}' in {what}")
        return values, lines

    # Scalars ---------------------------------------------------------------------------
    def string(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise Invalid(self.line(node), "expected text")
        if node.tag != "tag:yaml.org,2002:str":
            if node.tag == "tag:yaml.org,2002:null" and not node.value:
                raise Invalid(self.line(node), "is empty")
            kind = TYPE_NAMES.get(node.tag, "not text")
            raise Invalid(self.line(node), f"expected text, but YAML reads {node.value!r} as {kind}: put it in quotes")
        if not node.value.strip():
            raise Invalid(self.line(node), "is empty")
        return node.value

    def text(self, node: yaml.Node) -> Text:
        """A plain string in the file's language, or a map {lang: string}."""
        if isinstance(node, yaml.MappingNode):
            values = {}
            for lang, (key, value) in self.mapping(node, "a translated text").items():
                if lang not in LANGUAGES:
                    raise Invalid(self.line(key), f"unknown language '{lang}'{suggest(lang, LANGUAGES)}")
                values[lang] = self.string(value)
            if not values:
                raise Invalid(self.line(node), "is empty")
            return Text.of(values)
        return Text.of({self.lang: self.string(node)})

    def boolean(self, node: yaml.Node) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
            raise Invalid(self.line(node), "expected true or false")
        return node.value.lower() in ("true", "yes", "on")

    def url(self, node: yaml.Node) -> str:
        value = self.string(node)
        if not re.match(r"^https?://[^\s/]+", value):
            raise Invalid(self.line(node), f"expected an http(s) URL, got {value!r}")
        return value

    def partial_date(self, node: yaml.Node) -> PartialDate:
        if not isinstance(node, yaml.ScalarNode):
            raise Invalid(self.line(node), "expected a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        match = DATE_RE.match(node.value.strip())
        if not match:
            raise Invalid(self.line(node), f"expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got {node.value!r}")
        year, month, day = (int(part) if part else 0 for part in match.groups())
        try:
            dt.date(year or 1, month or 1, day or 1)
        except ValueError:
            raise Invalid(self.line(node), f"impossible date {node.value!r}") from None
        return PartialDate(year, month, day)

    def full_date(self, node: yaml.Node) -> dt.date:
        date = self.partial_date(node)
        if date.precision != "day":
            raise Invalid(self.line(node), f"expected a full date YYYY-MM-DD, got {node.value!r}")
        return date.first_day()

    def id(self, node: yaml.Node) -> Ref:
        value = self.string(node)
        if not ID_RE.match(value):
            raise Invalid(self.line(node), f"{value!r} is not an id (lowercase ASCII letters, digits and hyphens)")
        return Ref(value, self.path, self.line(node))

    def id_list(self, node: yaml.Node) -> tuple[Ref, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise Invalid(self.line(node), "expected a list of ids, like [a-id, b-id]")
        refs = []
        for item in node.value:
            try:
                refs.append(self.id(item))
            except Invalid as bad:
                self.problem(bad.line, bad.message)
        return tuple(refs)

    def string_list(self, node: yaml.Node) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise Invalid(self.line(node), "expected a list")
        return tuple(self.string(item) for item in node.value)

    def tag_names(self, node: yaml.Node) -> dict[str, Text]:
        names = {}
        for tag, (key, value) in self.mapping(node, "tags").items():
            if not ID_RE.match(tag):
                self.problem(self.line(key), f"tag {tag!r} is not an id (lowercase ASCII letters, digits and hyphens)")
                continue
            try:
                names[tag] = self.text(value)
            except Invalid as bad:
                self.problem(bad.line, f"tags.{tag}: {bad.message}")
        return names

    def each(self, node: yaml.Node, what: str, read_one: Callable[[yaml.Node], Any]) -> tuple:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise Invalid(self.line(node), f"expected a list of {what}")
        items = []
        for item in node.value:
            try:
                items.append(read_one(item))
            except Invalid as bad:
                self.problem(bad.line, bad.message)
        return tuple(items)

    # Composite values ------------------------------------------------------------------
    def source(self, node: yaml.Node) -> Source:
        values, _ = self.fields(node, "source", {
            "publisher": (Reader.text, True), "title": (Reader.text, True),
            "url": (Reader.url, False), "author": (Reader.text, False),
        })
        if "publisher" not in values or "title" not in values:
            raise Invalid(self.line(node), "source is incomplete")
        return Source(values["publisher"], values["title"], values.get("url"), values.get("author"))

    def events(self, node: yaml.Node) -> tuple[RawEvent, ...]:
        def one(item: yaml.Node) -> RawEvent:
            values, _ = self.fields(item, "an event", {
                "date": (Reader.partial_date, True), "end": (Reader.partial_date, False),
                "title": (Reader.text, True), "people": (Reader.id_list, False),
                "orgs": (Reader.id_list, False), "places": (Reader.id_list, False),
            })
            if "date" not in values or "title" not in values:
                raise Invalid(self.line(item), "event skipped")
            self.check_span(values, item)
            return RawEvent(values["date"], values.get("end"), values["title"], values.get("people", ()),
                            values.get("orgs", ()), values.get("places", ()), self.line(item))
        return self.each(node, "events", one)

    def roles(self, node: yaml.Node) -> tuple[RawRole, ...]:
        def one(item: yaml.Node) -> RawRole:
            values, _ = self.fields(item, "a role", {
                "title": (Reader.text, True), "org": (Reader.id, False),
                "start": (Reader.partial_date, False), "end": (Reader.partial_date, False),
            })
            if "title" not in values:
                raise Invalid(self.line(item), "role skipped")
            self.check_span(values, item, start="start")
            return RawRole(values["title"], values.get("org"), values.get("start"), values.get("end"))
        return self.each(node, "roles", one)

    def check_span(self, values: dict, node: yaml.Node, start: str = "date") -> None:
        first, last = values.get(start), values.get("end")
        if first and last and last.last_day() < first.first_day():
            self.problem(self.line(node), f"end {last.iso()} is before {start} {first.iso()}")


def choice(options: tuple[str, ...]) -> Callable[[Reader, yaml.Node], str]:
    """A reader accepting one word of a fixed list."""
    def read(reader: Reader, node: yaml.Node) -> str:
        value = reader.string(node)
        if value not in options:
            raise Invalid(reader.line(node), f"unknown kind '{value}'{suggest(value, options)} (one of: {', '.join(options)})")
        return value
    return read


STORY_SCHEMA = {
    "title": (Reader.text, True), "date": (Reader.full_date, True), "summary": (Reader.text, True),
    "source": (Reader.source, True), "people": (Reader.id_list, False), "orgs": (Reader.id_list, False),
    "places": (Reader.id_list, False), "tags": (Reader.id_list, False), "events": (Reader.events, False),
    "draft": (Reader.boolean, False),
}
ENTITY_COMMON = {"name": (Reader.text, True), "summary": (Reader.text, False), "aliases": (Reader.string_list, False)}
ENTITY_SCHEMAS = {
    "person": {**ENTITY_COMMON, "roles": (Reader.roles, False)},
    "org": {**ENTITY_COMMON, "short": (Reader.text, False), "kind": (choice(ORG_KINDS), False),
            "parent": (Reader.id, False), "place": (Reader.id, False), "url": (Reader.url, False)},
    "place": {**ENTITY_COMMON, "kind": (choice(PLACE_KINDS), False), "parent": (Reader.id, False)},
}
SITE_SCHEMA = {
    "title": (Reader.text, True), "tagline": (Reader.text, False), "base_url": (Reader.url, True),
    "languages": (Reader.string_list, False), "default_language": (Reader.string, False),
    "tags": (Reader.tag_names, False),
    "description": (Reader.text, False), "licence": (Reader.text, False),
}


# Files ---------------------------------------------------------------------------------
def read_text(path: Path, shown: str, problems: list[Problem]) -> tuple[str, str] | None:
    """(text with \\n newlines, digest of the bytes), or None after reporting bad bytes."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data[: bad.start].count(b"\n") + 1
        problems.append(Problem(shown, line, f"not UTF-8 (byte 0x{data[bad.start]:02x} at offset {bad.start})"))
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), hashlib.sha1(data).hexdigest()


def compose(text: str, shown: str, offset: int, problems: list[Problem]) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        line = (mark.line + offset) if mark else offset
        problems.append(Problem(shown, line, f"YAML syntax error: {bad.problem or bad.context}"))
    except yaml.YAMLError as bad:
        problems.append(Problem(shown, offset, f"YAML error: {bad}"))
    return None


def split_front_matter(text: str, shown: str, problems: list[Problem]) -> tuple[str, str, int] | None:
    """(front-matter YAML, body, line of the body's first line); front-matter opens at line 1."""
    if not text.startswith("---\n"):
        problems.append(Problem(shown, 1, "a story must start with a '---' line opening its front-matter"))
        return None
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if not end:
        problems.append(Problem(shown, 1, "front-matter is not closed by a '---' line"))
        return None
    front = text[4 : 4 + end.start()]
    body_start = 4 + end.end() + 1
    return front, text[body_start:], text[:body_start].count("\n") + 1


def scan_links(body: str, shown: str, first_line: int) -> tuple[Ref, ...]:
    """[[id]] and [[id|text]] outside fenced code and code spans, with their lines."""
    refs, fence = [], None
    for number, line in enumerate(body.split("\n"), first_line):
        opener = FENCE_RE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if "[[" not in line:
            continue
        for match in WIKILINK_RE.finditer(CODE_SPAN_RE.sub(lambda m: " " * len(m.group()), line)):
            refs.append(Ref(match.group(1).strip(), shown, number))
    return tuple(refs)


def load_site_config(root: Path, shown_root: str, problems: list[Problem]) -> SiteConfig | None:
    path = root / "site.yaml"
    shown = f"{shown_root}/site.yaml"
    if not path.is_file():
        problems.append(Problem(shown, 1, "site.yaml is missing"))
        return None
    read = read_text(path, shown, problems)
    node = read and compose(read[0], shown, 1, problems)
    if node is None:
        return None
    reader = Reader(shown, 1, problems, "en")
    try:
        values, lines = reader.fields(node, "site.yaml", SITE_SCHEMA)
    except Invalid as bad:
        reader.problem(bad.line, bad.message)
        return None
    languages = values.get("languages", ("en", "zh"))
    for lang in languages:
        if lang not in LANGUAGES:
            reader.problem(lines["languages"], f"unsupported language '{lang}' (supported: {', '.join(LANGUAGES)})")
    default = values.get("default_language", languages[0] if languages else "en")
    if default not in languages:
        reader.problem(lines.get("default_language", 1), f"default_language '{default}' is not in languages")
    if "title" not in values or "base_url" not in values:
        return None
    base_url = values["base_url"].rstrip("/") + "/"
    return SiteConfig(
        title=values["title"], tagline=values.get("tagline", Text.of({default: ""})), base_url=base_url,
        languages=tuple(lang for lang in languages if lang in LANGUAGES), default_language=default,
        tags=values.get("tags", {}), description=values.get("description"), licence=values.get("licence"),
        digest=read[1],
    )


def load_story(path: Path, shown: str, slug: str, lang: str, original: bool,
               problems: list[Problem]) -> StoryFile | None:
    """A story file; a translation (`original` false) requires nothing: it inherits."""
    read = read_text(path, shown, problems)
    parts = read and split_front_matter(read[0], shown, problems)
    if not parts:
        return None
    front, body, body_line = parts
    node = compose(front, shown, 2, problems)
    if node is None:
        return None
    reader = Reader(shown, 2, problems, lang)
    try:
        schema = STORY_SCHEMA if original else {k: (read, False) for k, (read, _) in STORY_SCHEMA.items()}
        values, lines = reader.fields(node, "story front-matter", schema)
    except Invalid as bad:
        reader.problem(bad.line, bad.message)
        return None
    return StoryFile(slug, lang, shown, values, lines, body, scan_links(body, shown, body_line), read[1])


def load_entity(path: Path, shown: str, type_: str, problems: list[Problem]) -> EntityFile | None:
    read = read_text(path, shown, problems)
    node = read and compose(read[0], shown, 1, problems)
    if node is None:
        return None
    reader = Reader(shown, 1, problems, "en")
    try:
        values, _ = reader.fields(node, f"a {type_} file", ENTITY_SCHEMAS[type_])
    except Invalid as bad:
        reader.problem(bad.line, bad.message)
        return None
    return EntityFile(type_, path.stem, shown, values, read[1])


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.endswith("~")


def load_content(root: Path, shown_root: str | None = None) -> Content:
    """Read every content file under `root`; paths in problems start with `shown_root`."""
    shown_root = shown_root if shown_root is not None else str(root)
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(shown_root, 0, "content directory not found"))
        return Content(None, problems=problems)
    config = load_site_config(root, shown_root, problems)
    content = Content(config, problems=problems)
    languages = config.languages if config else tuple(LANGUAGES)
    stories = root / "stories"
    for path in sorted(stories.iterdir()) if stories.is_dir() else ():
        shown = f"{shown_root}/stories/{path.name}"
        if not _visible(path) or not path.is_file():
            continue
        match = STORY_NAME_RE.match(path.name)
        if not match or not path.name.endswith(".md"):
            if path.suffix in (".md", ".markdown"):
                problems.append(Problem(shown, 1, "a story file is named <slug>.<language>.md, e.g. my-story.en.md"))
            continue
        slug, lang = match.group("slug"), match.group("lang")
        if lang not in languages:
            problems.append(Problem(shown, 1, f"unknown language suffix '.{lang}'{suggest(lang, languages)} (expected one of: {', '.join(languages)})"))
            continue
        if not ID_RE.match(slug):
            problems.append(Problem(shown, 1, f"story slug {slug!r} must be lowercase ASCII letters, digits and hyphens"))
            continue
        original = lang == (config.default_language if config else "en")
        story = load_story(path, shown, slug, lang, original, problems)
        if story:
            content.stories.append(story)
    for type_, folder in ENTITY_TYPES.items():
        directory = root / folder
        for path in sorted(directory.iterdir()) if directory.is_dir() else ():
            shown = f"{shown_root}/{folder}/{path.name}"
            if not _visible(path) or not path.is_file():
                continue
            if path.suffix != ".yaml":
                if path.suffix == ".yml":
                    problems.append(Problem(shown, 1, "entity files end in .yaml, not .yml"))
                continue
            if not ID_RE.match(path.stem):
                problems.append(Problem(shown, 1, f"file name {path.stem!r} is not an id (lowercase ASCII letters, digits and hyphens)"))
                continue
            entity = load_entity(path, shown, type_, problems)
            if entity:
                content.entities.append(entity)
    return content
