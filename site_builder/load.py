"""Stage 1, load: content files → per-file records, each checked against the format.

Input: a content directory. Output: `Content` (a SiteConfig, story files, entity files)
plus every problem found. YAML is composed into nodes, never constructed, so that every
value keeps its line and YAML's silent coercions (`no` → False, `1.10` → 1.1) can be
reported instead of accepted. Ids are kept as `Ref`s with their lines; assemble.py
resolves them once every file is read.

A file that exists but cannot be read (bad bytes, bad YAML) still yields a record, with
the fields that could be read: its id or its slug stays known, so the one real problem is
not followed by "unknown id" or "translation without its original" for everything that
points at it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import Any

import yaml
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import BACKTICK_RE, BacktickInlineProcessor

from site_builder.config import ENTITY_TYPES, LANGUAGES, ORG_KINDS, PLACE_KINDS
from site_builder.errors import Problem, hint
from site_builder.model import PartialDate, SiteConfig, Source, Text

BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with implicit tags memoised like functools.lru_cache would: the same
    words (ids, keys, kinds) recur in every file, and resolving their tags in Python was a
    third of composing a front-matter block. A pure function's cache, bounded; no state."""

    _tags: dict = {}

    def resolve(self, kind, value, implicit):  # noqa: ANN001 (PyYAML's signature)
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) > 100_000:
                self._tags.clear()
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
STORY_NAME_RE = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[^.]+)\.md$")
WIKILINK_RE = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
# Python-Markdown's own code finders, so that what is scanned as code is what renders as code.
FENCED_BLOCK_RE = FencedBlockPreprocessor.FENCED_BLOCK_RE
BACKTICKS = BacktickInlineProcessor(BACKTICK_RE)
LIST_ITEM_RE = re.compile(r"^( *)(?:\d+\.|[*+-]) +")
QUOTE_RE = re.compile(r"^(?: {0,3}> ?)+")
HEADING_RE = re.compile(r"^ {0,3}#")
STR, NULL, BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
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
class StoryFile:
    slug: str
    lang: str
    path: str
    fields: dict[str, Any]  # only the keys the file sets: a translation inherits the rest
    lines: dict[str, int]  # key → line, for messages
    body: str
    links: tuple[Ref, ...]  # [[id]] in the body, outside code
    digest: str
    front_digest: str = ""  # of the front-matter text alone: lists depend on it, not the body


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
def read_text(path: Path, shown: str, problems: list[Problem]) -> tuple[str | None, str]:
    """(text with \\n newlines, or None after reporting it unreadable; digest of the bytes)."""
    try:
        data = path.read_bytes()
    except OSError as bad:
        problems.append(Problem(shown, 1, f"cannot read the file: {bad.strerror}"))
        return None, ""
    digest = hashlib.sha1(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data[: bad.start].count(b"\n") + 1
        column = bad.start - (data.rfind(b"\n", 0, bad.start) + 1) + 1
        problems.append(Problem(shown, line, f"not UTF-8 (byte 0x{data[bad.start]:02x} at column {column}): save the file as UTF-8"))
        return None, digest
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), digest


def compose(text: str, shown: str, offset: int, problems: list[Problem]) -> yaml.Node | None:
    """The YAML document as nodes (an empty one as an empty mapping), or None after an error."""
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        problems.append(yaml_problem(text, shown, offset))
        return None
    return node or yaml.MappingNode("tag:yaml.org,2002:map", [], start_mark=yaml.Mark(shown, 0, 0, 0, None, None))


def yaml_problem(text: str, shown: str, offset: int) -> Problem:
    """The syntax error in `text`, worded by PyYAML's pure-Python parser.

    libyaml (CSafeLoader, used for speed) words errors differently; parsing the rare bad
    file again in pure Python gives the same message on every machine.
    """
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        line = mark.line + offset if mark else offset
        message = bad.problem or bad.context
        if bad.problem and bad.context and bad.context_mark and bad.context_mark.line + offset != line:
            message += f" ({bad.context}, line {bad.context_mark.line + offset})"
        return Problem(shown, line, f"YAML syntax error: {message}")
    except yaml.reader.ReaderError as bad:
        line = text.count("\n", 0, bad.position) + offset
        return Problem(shown, line, f"YAML cannot read character #x{bad.character:04x}: {bad.reason}")
    except yaml.YAMLError as bad:
        return Problem(shown, offset, f"YAML error: {bad}")
    return Problem(shown, offset, "YAML syntax error")


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
    """[[id]] and [[id|text]] where Python-Markdown will link them, with their lines."""
    text = body.expandtabs(4)
    if "[[" not in text:
        return ()
    if "`" in text or "~~~" in text or "    " in text:  # else there is no code to skip
        text = without_code(text)
    refs, line, counted = [], first_line, 0
    for match in WIKILINK_RE.finditer(text):
        at = match.start()
        if _escaped(text, at):
            continue
        line += text.count("\n", counted, at)
        counted = at
        refs.append(Ref(match.group(1).strip(), shown, line, match.group(0)))
    return tuple(refs)


def _escaped(text: str, at: int) -> bool:
    """Whether text[at] follows an odd run of backslashes: `\\[[x]]` is text, not a link."""
    start = at
    while start and text[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


def without_code(text: str) -> str:
    """`text` with its code blanked, found the way Python-Markdown finds it, lines kept.

    So that what is checked is what is rendered: fenced blocks (fenced_code's own
    pattern), indented code blocks (a block after a blank line, indented 4 spaces more
    than the list it is in, blockquote markers aside) and code spans (Python-Markdown's
    backtick processor, over a paragraph's lines; a heading or the edge of a blockquote
    ends a paragraph). An [[id]] in a raw HTML block is still checked, although
    Python-Markdown leaves it as text: stricter, never looser.
    """
    raw = FENCED_BLOCK_RE.sub(_blank, text).split("\n")
    quoted = [bool(QUOTE_RE.match(line)) for line in raw]
    lines = [QUOTE_RE.sub("", line) for line in raw]
    start, depth = 0, 0  # depth: how many lists the current block is nested in
    while start < len(lines):
        if not lines[start].strip():
            start += 1
            continue
        end = start + 1
        while (end < len(lines) and lines[end].strip() and quoted[end] == quoted[end - 1]
               and not HEADING_RE.match(lines[end]) and not HEADING_RE.match(lines[end - 1])):
            end += 1
        code_indent = " " * 4 * (depth + 1)
        code_end = start
        while code_end < end and lines[code_end].startswith(code_indent):
            lines[code_end] = ""
            code_end += 1
        if code_end > start:  # an indented code block; what follows it is a new block
            start = code_end
            continue
        if not lines[start].startswith("    "):  # not inside a list item
            depth = 0
        for line in lines[start:end]:
            item = LIST_ITEM_RE.match(line)
            if item and len(item.group(1)) < 4 * (depth + 1):
                depth = len(item.group(1)) // 4 + 1
        lines[start:end] = _blank_code_spans("\n".join(lines[start:end])).split("\n")
        start = end
    return "\n".join(lines)


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _blank_code_spans(block: str) -> str:
    """The block with its code spans blanked, found as Python-Markdown's own processor does."""
    index = 0
    while "`" in block and (match := BACKTICKS.compiled_re.search(block, index)):
        if match.group(1):  # escaped backslashes before a backtick: text
            index = match.end()
            continue
        start, end = BACKTICKS.find_code_spans(match.start(), block)
        if end is None:  # an unmatched run of backticks: text
            index = start
            continue
        index = end + (start - match.start())
        block = block[: match.start()] + re.sub(r"[^\n]", " ", block[match.start() : index]) + block[index:]
    return block


def load_site_config(root: Path, shown_root: str, problems: list[Problem]) -> SiteConfig | None:
    path = root / "site.yaml"
    shown = f"{shown_root}/site.yaml"
    if not path.is_file():
        problems.append(Problem(shown, 1, "site.yaml is missing"))
        return None
    text, digest = read_text(path, shown, problems)
    node = compose(text, shown, 1, problems) if text is not None else None
    if node is None:
        return None
    reader = Reader(shown, 1, problems, _site_language(node))
    try:
        values, lines = reader.fields(node, SITE_SCHEMA, missing_line=1)
    except Invalid as bad:
        reader.problem(bad.line, bad.message)
        return None
    languages = values.get("languages", ("en", "zh"))
    for lang in languages:
        if lang not in LANGUAGES:
            reader.problem(lines["languages"], f"languages: unsupported language '{lang}'{hint(lang, LANGUAGES)}")
    default = values.get("default_language", languages[0] if languages else "en")
    if default not in languages:
        reader.problem(lines.get("default_language", 1), f"default_language: '{default}' is not in languages")
    if "title" not in values or "base_url" not in values:
        return None
    base_url = values["base_url"].rstrip("/") + "/"
    return SiteConfig(
        title=values["title"], tagline=values.get("tagline", Text.of({default: ""})), base_url=base_url,
        languages=tuple(lang for lang in languages if lang in LANGUAGES), default_language=default,
        tags=values.get("tags", {}), description=values.get("description"), licence=values.get("licence"),
        digest=digest,
    )


def _site_language(node: yaml.Node) -> str:
    """The default language named in site.yaml, looked up first: its plain strings are in it."""
    entries = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)} if isinstance(node, yaml.MappingNode) else {}
    default, languages = entries.get("default_language"), entries.get("languages")
    if isinstance(default, yaml.ScalarNode):
        return default.value
    if isinstance(languages, yaml.SequenceNode) and languages.value and isinstance(languages.value[0], yaml.ScalarNode):
        return languages.value[0].value
    return "en"


def load_story(path: Path, shown: str, slug: str, lang: str, original: bool,
               problems: list[Problem]) -> StoryFile:
    """A story file; a translation (`original` false) requires nothing: it inherits."""
    text, digest = read_text(path, shown, problems)
    parts = split_front_matter(text, shown, problems) if text is not None else None
    if not parts:
        return StoryFile(slug, lang, shown, {}, {}, "", (), digest)
    front, body, body_line = parts
    front_digest = hashlib.sha1(front.encode("utf-8")).hexdigest()
    story = StoryFile(slug, lang, shown, {}, {}, body, scan_links(body, shown, body_line), digest, front_digest)
    node = compose(front, shown, 2, problems)
    if node is None:
        return story
    reader = Reader(shown, 2, problems, lang)
    try:
        values, lines = reader.fields(node, STORY_SCHEMA if original else TRANSLATION_SCHEMA, missing_line=1)
    except Invalid as bad:
        reader.problem(bad.line, bad.message)
        return story
    if original:
        reader.require_language(values, lines, ("title", "summary"))
    return StoryFile(slug, lang, shown, values, lines, body, story.links, digest, front_digest)


def load_entity(path: Path, shown: str, type_: str, default: str, problems: list[Problem]) -> EntityFile:
    text, digest = read_text(path, shown, problems)
    node = compose(text, shown, 1, problems) if text is not None else None
    values: dict[str, Any] = {}
    if node is not None:
        reader = Reader(shown, 1, problems, default)
        try:
            values, lines = reader.fields(node, ENTITY_SCHEMAS[type_], missing_line=1)
            reader.require_language(values, lines, ("name",))
        except Invalid as bad:
            reader.problem(bad.line, bad.message)
    return EntityFile(type_, path.stem, shown, values, digest)


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.endswith("~")


@dataclass(frozen=True)
class FileJob:
    """One content file to read: a story (`lang` set) or an entity (`type` set)."""

    path: Path
    shown: str
    slug: str
    lang: str = ""
    original: bool = False
    type: str = ""
    default: str = "en"


def load_file(job: FileJob) -> tuple[StoryFile | EntityFile, list[Problem]]:
    """Read one file on its own: pure, so build.py can run it in other processes or cache it."""
    problems: list[Problem] = []
    if job.lang:
        record = load_story(job.path, job.shown, job.slug, job.lang, job.original, problems)
    else:
        record = load_entity(job.path, job.shown, job.type, job.default, problems)
    return record, problems


Mapper = Callable[[Callable[[FileJob], tuple], list[FileJob]], Iterable[tuple]]


def find_files(root: Path, shown_root: str, config: SiteConfig | None, problems: list[Problem]) -> list[FileJob]:
    """Every story and entity file under root, in a stable order; misnamed files are problems."""
    languages = config.languages if config else tuple(LANGUAGES)
    default = config.default_language if config else "en"
    jobs: list[FileJob] = []
    stories = root / "stories"
    for path in sorted(stories.iterdir()) if stories.is_dir() else ():
        shown = f"{shown_root}/stories/{path.name}"
        if not _visible(path) or not path.is_file():
            continue
        match = STORY_NAME_RE.match(path.name)
        if not match:
            if path.suffix in (".md", ".markdown"):
                problems.append(Problem(shown, 1, "a story file is named <slug>.<language>.md, e.g. my-story.en.md"))
            continue
        slug, lang = match.group("slug"), match.group("lang")
        if lang not in languages:
            problems.append(Problem(shown, 1, f"unknown language suffix '.{lang}'{hint(lang, languages)}"))
        elif not ID_RE.match(slug):
            problems.append(Problem(shown, 1, f"story slug '{slug}' is not an id ({ID_RULE})"))
        else:
            jobs.append(FileJob(path, shown, slug, lang=lang, original=lang == default, default=default))
    for type_, folder in ENTITY_TYPES.items():
        directory = root / folder
        for path in sorted(directory.iterdir()) if directory.is_dir() else ():
            shown = f"{shown_root}/{folder}/{path.name}"
            if not _visible(path) or not path.is_file():
                continue
            if path.suffix != ".yaml":
                if path.suffix == ".yml":
                    problems.append(Problem(shown, 1, "entity files end in .yaml, not .yml"))
            elif not ID_RE.match(path.stem):
                problems.append(Problem(shown, 1, f"file name '{path.stem}' is not an id ({ID_RULE})"))
            else:
                jobs.append(FileJob(path, shown, path.stem, type=type_, default=default))
    return jobs


def load_content(root: Path, shown_root: str | None = None, mapper: Mapper = map) -> Content:
    """Read every content file under `root`; paths in problems start with `shown_root`.

    `mapper(load_file, jobs)` reads the files: the built-in map here, a process pool or a
    cache in build.py.
    """
    shown_root = shown_root if shown_root is not None else str(root)
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(shown_root, 0, "content directory not found"))
        return Content(None, problems=problems)
    config = load_site_config(root, shown_root, problems)
    content = Content(config, problems=problems)
    for record, found in mapper(load_file, find_files(root, shown_root, config, problems)):
        problems.extend(found)
        (content.stories if isinstance(record, StoryFile) else content.entities).append(record)
    return content
