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

import functools
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from site_builder.config import ENTITY_TYPES, LANGUAGES
from site_builder.errors import Problem, hint
from site_builder.model import SiteConfig, Text
from site_builder.schema import (
    ENTITY_SCHEMAS, ID_RE, ID_RULE, SITE_SCHEMA, STORY_SCHEMA, TRANSLATION_SCHEMA, Invalid, Reader, Ref,
)
from site_builder.wikilinks import scan_links

BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with implicit tags memoised: the same words (ids, keys, kinds) recur
    in every file, and resolving their tags in Python was a third of composing a front-matter
    block. The tag depends only on the scalar and its style, so a bounded pure-function cache
    (as i18n's locale cache) serves every loader."""

    def resolve(self, kind, value, implicit):  # noqa: ANN001 (PyYAML's signature)
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        return _scalar_tag(value, implicit)


@functools.lru_cache(maxsize=100_000)
def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, value, implicit)


_RESOLVER = yaml.resolver.Resolver()  # stateless for scalars: the implicit resolvers are class-wide


STORY_NAME_RE = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[^.]+)\.md$")
# Names that are never sources: hidden files, editors' backups, swap files and probes (vim
# writes "4913" to test a directory). The loader skips them, the snapshot does not stamp
# them and `serve` does not rebuild for them: one definition for all three.
NOT_SOURCE = re.compile(r"^\.|~$|^#.*#$|\.(swp|swx|tmp)$|^4913$")
Stamp = tuple[int, int]  # (modification time in ns, size): a file's identity between builds


def shown_path(path: Path) -> str:
    """A path as the editor typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def is_source_name(name: str) -> bool:
    """Whether a file or directory of this name can be a source (see NOT_SOURCE)."""
    return not NOT_SOURCE.search(name)


def source_stamps(root: Path) -> dict[str, Stamp]:
    """Every source file under `root` (path relative to it → stamp)."""
    found: dict[str, Stamp] = {}
    prefix = len(str(root)) + 1
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if is_source_name(d)]
        for name in files:
            if not is_source_name(name):
                continue
            path = os.path.join(directory, name)
            try:
                st = os.stat(path)
            except OSError:  # removed while we looked: the next look sees it gone
                continue
            found[path[prefix:].replace(os.sep, "/")] = (st.st_mtime_ns, st.st_size)
    return found


def source_stamps_at(root: Path, paths: Iterable[Path]) -> dict[str, Stamp]:
    """The stamps of those of `paths` (all under `root`) that exist and are sources."""
    found: dict[str, Stamp] = {}
    for path in paths:
        rel = path.relative_to(root)
        if not all(is_source_name(part) for part in rel.parts):
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        found[rel.as_posix()] = (st.st_mtime_ns, st.st_size)
    return found



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
    except yaml.YAMLError as bad:
        problems.append(yaml_problem(text, shown, offset, bad))
        return None
    if node is not None and (deep := too_deep(node)) is not None:
        problems.append(Problem(shown, deep.start_mark.line + offset, f"YAML nested more than {MAX_DEPTH} levels deep (lists or mappings within each other)"))
        return None
    return node or yaml.MappingNode("tag:yaml.org,2002:map", [], start_mark=yaml.Mark(shown, 0, 0, 0, None, None))


MAX_DEPTH = 64  # content nests a few levels; the reader of deeper documents would recurse out of stack


def too_deep(root: yaml.Node) -> yaml.Node | None:
    """The first node nested deeper than MAX_DEPTH, found without recursion (the readers that
    walk the document recurse, and would exhaust Python's stack under a deep caller)."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((part, depth + 1) for pair in node.value for part in pair)
    return None


def yaml_problem(text: str, shown: str, offset: int, first: yaml.YAMLError | None = None) -> Problem:
    """The syntax error in `text`, worded by PyYAML's pure-Python parser.

    libyaml (CSafeLoader, used for speed) words errors differently; parsing the rare bad
    file again in pure Python gives the same message on every machine. Nesting libyaml
    refuses (deeper than 1,000) would exhaust Python's stack: that is reported as it is.
    """
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        mark = getattr(first, "problem_mark", None)
        return Problem(shown, (mark.line if mark else 0) + offset, f"YAML nested more than {MAX_DEPTH} levels deep (lists or mappings within each other)")
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
        page_size=values.get("page_size"), search_shard_size=values.get("search_shard_size"), digest=digest,
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


@dataclass(frozen=True)
class SourceFile:
    """One content file to read: a story (`lang` set) or an entity (`type` set)."""

    path: Path
    shown: str
    slug: str
    lang: str = ""
    original: bool = False
    type: str = ""
    default: str = "en"


def find_files(root: Path, shown_root: str, config: SiteConfig | None, problems: list[Problem]) -> list[SourceFile]:
    """Every story and entity file under root, in a stable order; misnamed files are problems."""
    languages = config.languages if config else tuple(LANGUAGES)
    default = config.default_language if config else "en"
    jobs: list[SourceFile] = []
    stories = root / "stories"
    for path in sorted(stories.iterdir()) if stories.is_dir() else ():
        shown = f"{shown_root}/stories/{path.name}"
        if not is_source_name(path.name) or not path.is_file():
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
            jobs.append(SourceFile(path, shown, slug, lang=lang, original=lang == default, default=default))
    for type_, folder in ENTITY_TYPES.items():
        directory = root / folder
        for path in sorted(directory.iterdir()) if directory.is_dir() else ():
            shown = f"{shown_root}/{folder}/{path.name}"
            if not is_source_name(path.name) or not path.is_file():
                continue
            if path.suffix != ".yaml":
                if path.suffix == ".yml":
                    problems.append(Problem(shown, 1, "entity files end in .yaml, not .yml"))
            elif not ID_RE.match(path.stem):
                problems.append(Problem(shown, 1, f"file name '{path.stem}' is not an id ({ID_RULE})"))
            else:
                jobs.append(SourceFile(path, shown, path.stem, type=type_, default=default))
    return jobs


def load_content(root: Path, shown_root: str | None = None) -> Content:
    """Read every content file under `root`; paths in problems start with `shown_root`."""
    shown_root = shown_root if shown_root is not None else str(root)
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(shown_root, 0, "content directory not found"))
        return Content(None, problems=problems)
    config = load_site_config(root, shown_root, problems)
    content = Content(config, problems=problems)
    for source in find_files(root, shown_root, config, problems):
        if source.lang:
            content.stories.append(load_story(source.path, source.shown, source.slug, source.lang, source.original, problems))
        else:
            content.entities.append(load_entity(source.path, source.shown, source.type, source.default, problems))
    return content

