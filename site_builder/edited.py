"""Which story the editor saved last: `serve` prints the address of its page after each
rebuild, so the page to look at is one click away (the story's own page, in the language
of the file saved)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from site_builder.load import STORY_NAME_RE


def latest_story(stories: Path, paths: Iterable[Path]) -> tuple[str, str] | None:
    """(language, slug) of the story file among `paths` modified last, or None when there is
    none: files directly in the `stories` directory, named `<slug>.<lang>.md`, that exist.
    Paths are absolute and resolved, as the watcher reports them."""
    stories, best = stories.resolve(), None
    for path in paths:
        found = STORY_NAME_RE.match(path.name)
        if not found or path.parent != stories:
            continue
        try:
            modified = path.stat().st_mtime_ns
        except OSError:  # deleted since
            continue
        if best is None or modified > best[0]:
            best = (modified, found["lang"], found["slug"])
    return (best[1], best[2]) if best else None


def all_stories(stories: Path) -> list[Path]:
    """Every story file, as `latest_story` wants them."""
    return sorted(stories.resolve().glob("*.md")) if stories.is_dir() else []
