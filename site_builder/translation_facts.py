"""What translation status needs of the model, small enough to read at once and patched file by file.

`status` must answer in under a second at 10,000 stories. Unpickling the build's snapshot (the
whole Site) took most of that alone, and any edit but a body's meant loading and assembling
every file again (20 s). `Facts` is the part of the model translations.py reads: per published
story its original's path and translatable digest and, per other language, the translation's
path and `translated_from`; per entity the texts each language lacks. It is kept with the stamp
of every content file it was made from.

A build takes it from the Site it assembled (`of_site`; not with drafts, which status never
shows). `patched()` brings it up to date by reading again only the files whose stamps changed,
each on its own, and gives None, so that the caller loads and assembles everything and reports
problems as a build would, when site.yaml changed or a changed file does not load cleanly.
What it does not redo is the cross-file checking (an unknown id in a story's people): status
reports translations, `check` reports content.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from site_builder.errors import Problem
from site_builder.load import STORY_NAME_RE, Stamp, load_entity, load_story
from site_builder.reread import FOLDER_TYPES, changed_sources
from site_builder.model import Site, StoryVersion
from site_builder.original_text import text_digest
from site_builder.records import read_record, write_record

VERSION = 1


@dataclass(frozen=True)
class StoryFacts:
    """One published story: its original and, per other language, what readers get."""

    original: str  # the original's file, as shown
    digest: str  # its translatable text now (original_text.text_digest)
    translations: tuple[tuple[str, str | None, str | None], ...]  # (lang, translation's file or None: falls back, translated_from)


@dataclass(frozen=True)
class EntityFacts:
    id: str
    type: str
    path: str
    lacking: tuple[tuple[str, tuple[str, ...]], ...]  # (lang, of "name", "summary"), languages lacking something


@dataclass(frozen=True)
class Facts:
    key: str  # code and content directory they are valid for
    languages: tuple[str, ...]
    default: str
    files: dict[str, Stamp]  # path relative to the content root → stamp, when taken
    stories: dict[str, StoryFacts]  # slug → published story
    entities: dict[str, EntityFacts]  # path relative to the content root → entity


def of_site(key: str, files: dict[str, Stamp], site: Site, shown_root: str) -> Facts:
    """The facts of a Site assembled without drafts."""
    config = site.config
    default = config.default_language
    others = [lang for lang in config.languages if lang != default]
    stories = {slug: story_facts(original, [site.stories[lang][slug] for lang in others], others, default)
               for slug, original in site.stories[default].items()}
    return Facts(key, config.languages, default, files, stories, entity_facts(site, shown_root, others))


def story_facts(original: StoryVersion, translations: list[StoryVersion], others: list[str], default: str) -> StoryFacts:
    """One story's facts from its original and its version in each other language."""
    return StoryFacts(original.path, original.translatable, tuple(
        (lang, None, None) if v.fallback else (lang, translation_path(original.path, default, lang), v.translated_from)
        for lang, v in zip(others, translations)))


def entity_facts(site: Site, shown_root: str, others: list[str]) -> dict[str, EntityFacts]:
    prefix = len(shown_root) + 1
    return {e.path[prefix:]: EntityFacts(e.id, e.type, e.path, _lacking(e.name, e.summary, others))
            for e in site.entities.values()}


def translation_path(original: str, default: str, lang: str) -> str:
    """A translation's file (its version's path is the original's when its body is empty)."""
    return original[: -len(f".{default}.md")] + f".{lang}.md"


def _lacking(name, summary, langs: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:  # noqa: ANN001 (Text | None)
    found = []
    for lang in langs:
        missing = tuple(what for what, text in (("name", name), ("summary", summary)) if text is not None and not text.has(lang))
        if missing:
            found.append((lang, missing))
    return tuple(found)


def patched(facts: Facts, files: dict[str, Stamp], root: Path, shown_root: str) -> Facts | None:
    """The facts as the content now is, reading only the files that changed since; None when
    only loading everything will do (site.yaml changed, or a changed file has a problem)."""
    changed = {rel for rel in files.keys() | facts.files.keys() if files.get(rel) != facts.files.get(rel)}
    if not changed:
        return facts
    sources = changed_sources(changed, facts.languages)
    if sources is None:
        return None
    slugs = {STORY_NAME_RE.match(rel[len("stories/"):]).group("slug") for rel in sources.stories}
    entity_files = sources.entities
    stories, entities = dict(facts.stories), dict(facts.entities)
    for slug in sorted(slugs):
        story = _story(facts, files, root, shown_root, slug)
        if story is False:
            return None
        stories.pop(slug, None)
        if story is not None:
            stories[slug] = story
    others = [lang for lang in facts.languages if lang != facts.default]
    for rel in sorted(entity_files):
        entities.pop(rel, None)
        if rel not in files:
            continue
        folder, _, name = rel.partition("/")
        problems: list[Problem] = []
        f = load_entity(root / rel, f"{shown_root}/{rel}", FOLDER_TYPES[folder], facts.default, problems)
        if problems or any(e.id == f.id for e in entities.values()):
            return None  # a problem, or an id claimed twice
        entities[rel] = EntityFacts(f.id, f.type, f.path, _lacking(f.fields.get("name"), f.fields.get("summary"), others))
    return replace(facts, files=files, stories=stories, entities=entities)


def _story(facts: Facts, files: dict[str, Stamp], root: Path, shown_root: str, slug: str) -> StoryFacts | None | bool:
    """One story's facts read from its files alone: None when it is not published (a draft, or
    removed), False when a file has a problem (or a translation has lost its original)."""
    default = facts.default
    problems: list[Problem] = []
    loaded = {
        lang: load_story(root / rel, f"{shown_root}/{rel}", slug, lang, lang == default, problems)
        for lang in facts.languages if (rel := f"stories/{slug}.{lang}.md") in files
    }
    original = loaded.get(default)
    if problems or (loaded and original is None):
        return False
    if original is None or original.fields.get("draft", False):
        return None
    pick = lambda text: text.pick(default, default)[0]  # noqa: E731 (as original_text.version_digest)
    v = original.fields
    digest = text_digest(pick(v["title"]), pick(v["summary"]), (pick(e.title) for e in v.get("events", ())), original.body)
    translations = []
    for lang in facts.languages:
        if lang == default:
            continue
        f = loaded.get(lang)
        fields = {**v, **f.fields} if f else {}
        shown = None if f is None or fields.get("draft", False) else f.path
        translations.append((lang, shown, fields.get("translated_from") if shown else None))
    return StoryFacts(original.path, digest, tuple(translations))


def save(path: Path, facts: Facts) -> None:
    write_record(path, VERSION, facts)


def load(path: Path, key: str) -> Facts | None:
    """The facts at `path` if taken for `key`; damaged ones are noted and ignored (records.py)."""
    found = read_record(path, VERSION)
    return found if isinstance(found, Facts) and found.key == key else None
