"""Stage 1 again, in `serve`: the content as it now is, from the last load and the files that changed.

A full load reads and parses 20,000 files (6 s at 10,000 stories); an edit changes one. `reloaded`
takes the `Content` the last good build loaded and re-reads only the files whose stamps differ,
giving what `load_content` would give; `changed_sources` says which files the loader reads (also
used by translation_facts.py for `status`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from site_builder.config import ENTITY_TYPES
from site_builder.errors import Problem
from site_builder.load import STORY_NAME_RE, Content, Stamp, load_entity, load_story
from site_builder.schema import ID_RE

FOLDER_TYPES = {folder: type_ for type_, folder in ENTITY_TYPES.items()}


@dataclass(frozen=True)
class ChangedSources:
    """The content files that changed, as the loader sees them (paths relative to the root)."""

    stories: frozenset[str]  # stories/<slug>.<lang>.md, present or removed
    entities: frozenset[str]  # <folder>/<id>.yaml, present or removed


def changed_sources(changed: Iterable[str], languages: tuple[str, ...]) -> ChangedSources | None:
    """Which of the `changed` files load_content reads; None when only loading everything will
    do: site.yaml changed, or a file is misnamed (a problem the full load reports). Files the
    loader never reads (nested, or of another suffix) are left out."""
    stories, entities = set(), set()
    for rel in changed:
        folder, _, name = rel.partition("/")
        if rel == "site.yaml":
            return None
        if "/" in name or not name:
            continue  # the loader reads the top of each folder only
        if folder == "stories":
            match = STORY_NAME_RE.match(name)
            if not match:
                if name.endswith((".md", ".markdown")):
                    return None
                continue
            if match.group("lang") not in languages or not ID_RE.match(match.group("slug")):
                return None
            stories.add(rel)
        elif folder in FOLDER_TYPES:
            if name.endswith(".yml") or (name.endswith(".yaml") and not ID_RE.match(name[:-5])):
                return None
            if name.endswith(".yaml"):
                entities.add(rel)
    return ChangedSources(frozenset(stories), frozenset(entities))


def reloaded(content: Content, before: dict[str, Stamp], files: dict[str, Stamp], root: Path,
             shown_root: str) -> Content | None:
    """`content` (loaded when the files had the stamps `before`, without a problem) as the
    files now are, reading only those whose stamps differ; None when only load_content will
    do (see changed_sources) or a re-read file has a problem (load_content reports it). The
    result equals load_content's: the same files, in the same order."""
    config = content.config
    if content.problems or config is None:
        return None
    changed = changed_sources((rel for rel in files.keys() | before.keys() if files.get(rel) != before.get(rel)),
                              config.languages)
    if changed is None:
        return None
    prefix = shown_root + "/"
    problems: list[Problem] = []
    stories = {f.path: f for f in content.stories}
    for rel in sorted(changed.stories):
        shown = prefix + rel
        stories.pop(shown, None)
        if rel in files:
            slug, lang = STORY_NAME_RE.match(rel[len("stories/"):]).group("slug", "lang")
            stories[shown] = load_story(root / rel, shown, slug, lang, lang == config.default_language, problems)
    entities = {f.path: f for f in content.entities}
    for rel in sorted(changed.entities):
        shown = prefix + rel
        entities.pop(shown, None)
        if rel in files:
            entities[shown] = load_entity(root / rel, shown, FOLDER_TYPES[rel.partition("/")[0]],
                                          config.default_language, problems)
    if problems:
        return None
    order = {type_: n for n, type_ in enumerate(ENTITY_TYPES)}
    return Content(config, [stories[k] for k in sorted(stories)],
                   sorted(entities.values(), key=lambda f: (order[f.type], f.path)))
