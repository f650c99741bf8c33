"""`status` and `new story --translate`: the translation workflow at the command line.

Input: the content directory (through translation_facts.py's record of the last build, with
the files changed since read again, so that 10,000 stories are not loaded and assembled on
every run), the templates' catalogs. Output:
the table or JSON of translations.py's `Status`, an exit code for CI, and the two writes an
editor asks for — `translated_from` in a translation's front-matter (`--ack`, `--translate`),
never typed by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from site_builder import translation_facts
from site_builder.assemble import assemble
from site_builder.config import BuildOptions
from site_builder.load import load_content, shown_path, source_stamps
from site_builder.state import BuildState
from site_builder.errors import ContentError, Problem
from site_builder.model import Site
from site_builder.translation_facts import Facts
from site_builder.translations import (
    KINDS, Ledger, Status, read_english, site_status,
)


def current_facts(content: Path, templates: Path, cache_dir: Path | None) -> Facts:
    """What status needs of the published site as the content is now: the last facts (a
    build's, or an earlier status's) with the files changed since read again, else the whole
    content loaded and assembled (its problems raised as a build would)."""
    files = source_stamps(content)
    shown = shown_path(content)
    state = BuildState(BuildOptions(content, templates, cache_dir=cache_dir)) if cache_dir is not None else None
    key = state.snapshot_key() if state else ""
    if state is not None:
        taken = translation_facts.load(state.facts_path(), key)
        found = translation_facts.patched(taken, files, content, shown) if taken is not None else None
        if found is not None:
            if found is not taken:
                translation_facts.save(state.facts_path(), found)
            return found
    facts = translation_facts.of_site(key, files, load_site(content), shown)
    if state is not None:
        translation_facts.save(state.facts_path(), facts)
    return facts


def load_site(content: Path) -> Site:
    """The published stories (no drafts, as a build), loaded and assembled afresh."""
    return assemble(load_content(content, shown_path(content)))


def parse_kinds(value: str | None) -> tuple[str, ...] | None:
    """--strict's KINDS (comma-separated); raises ValueError naming an unknown one."""
    if value is None:
        return None
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"--strict: unknown kind '{unknown[0] if unknown else value}' (choose from {', '.join(KINDS)})")
    return kinds


def status(content: Path, templates: Path, cache_dir: Path | None, today: str | None = None) -> Status:
    facts = current_facts(content, templates, cache_dir)
    ledger = Ledger.load(cache_dir)
    found = site_status(facts, content, ledger, today, ledger.catalog_counts(templates, facts.languages, facts.default))
    ledger.save(cache_dir)
    return found


def table(found: Status) -> str:
    """The status as text for a terminal: stories worst first with each stale one's diff,
    then entities, then catalogs."""
    out: list[str] = []
    counts = {state: sum(1 for s in found.stories if s.state == state) for state in ("stale", "missing", "unverified", "current")}
    out.append("Stories: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
    if found.stories:
        width = max(len(s.slug) for s in found.stories)
        out.append(f"  {'STATE':<10} {'LANG':<4} {'STORY':<{width}}  DETAIL")
    for s in found.stories:
        if s.state == "stale":
            where = "git" if s.since_source == "git" else "first seen by a build"
            detail = f"English changed {s.since} ({where}); translated from {s.translated_from}, now {s.digest}"
        elif s.state == "missing":
            detail = "no translation: readers see the original (start one: new story --translate " + s.slug + ")"
        elif s.state == "unverified":
            detail = f"{s.translation} has no translated_from (compare, then: status --ack {s.slug})"
        else:
            detail = f"translated from {s.digest}"
        out.append(f"  {s.state:<10} {s.lang:<4} {s.slug:<{width}}  {detail}")
        if s.state == "stale":
            out += [f"      {line}" for line in s.diff] or ["      (the text it was translated from is neither in git nor in .cache: no diff)"]
    names = sum(1 for e in found.entities if "name" in e.missing)
    summaries = sum(1 for e in found.entities if "summary" in e.missing)
    out.append(f"Entities: {names} without a translated name, {summaries} without a translated summary")
    for e in found.entities:
        out.append(f"  {'+'.join(e.missing):<12} {e.lang:<4} {e.type:<6} {e.id}  {e.path}")
    out.append("Catalogs:")
    for c in found.catalogs:
        out.append(f"  {c.lang:<4} {c.path}: {c.untranslated} untranslated, {c.fuzzy} fuzzy, {c.stale} stale")
    return "\n".join(out)


def as_json(found: Status) -> str:
    return json.dumps(found.as_json(), ensure_ascii=False, indent=2)


# Writing translated_from ---------------------------------------------------------------------
FIELD_RE = re.compile(r"^translated_from:.*$", re.M)


def set_translated_from(path: Path, digest: str) -> None:
    """Put `translated_from: "<digest>"` in the file's front-matter (replacing the old one);
    the rest of the file is left byte for byte as it was."""
    text = path.read_text("utf-8")
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M) if text.startswith("---\n") else None
    if end is None:
        raise ContentError([Problem(shown_path(path), 1, "a story must start with a '---' line opening its front-matter")])
    front, rest = text[: 4 + end.start()], text[4 + end.start():]
    line = f'translated_from: "{digest}"'
    front = FIELD_RE.sub(line, front, count=1) if FIELD_RE.search(front) else front + line + "\n"
    path.write_text(front + rest, "utf-8")


def acknowledge(content: Path, templates: Path, cache_dir: Path | None, slug: str) -> list[Path]:
    """Record that every translation of `slug` matches the original as it is now."""
    facts = current_facts(content, templates, cache_dir)
    default = facts.default
    original = facts.stories.get(slug)
    if original is None:
        raise ContentError([Problem(shown_path(content / "stories"), 0, f"--ack: no published story '{slug}'")])
    paths = [content / "stories" / f"{slug}.{lang}.md" for lang in facts.languages if lang != default]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        raise ContentError([Problem(original.original, 1, f"--ack: '{slug}' has no translation to acknowledge (start one: new story --translate {slug})")])
    for path in paths:
        set_translated_from(path, original.digest)
    _keep_text(content, cache_dir, slug, default)
    return paths


def start_translation(content: Path, templates: Path, cache_dir: Path | None, slug: str) -> list[Path]:
    """Write `<slug>.<lang>.md` for every other language: the original's title and summary
    (marked as English, so the page says so until they are translated) and translated_from;
    the empty body shows the original's until it is written."""
    facts = current_facts(content, templates, cache_dir)
    default = facts.default
    original = facts.stories.get(slug)
    text = read_english(content / "stories" / f"{slug}.{default}.md", default) if original else None
    if original is None or text is None:
        raise ContentError([Problem(shown_path(content / "stories"), 0, f"--translate: no published story '{slug}'")])
    written = []
    for lang in facts.languages:
        path = content / "stories" / f"{slug}.{lang}.md"
        if lang == default or path.exists():
            continue
        title, summary = (json.dumps(t, ensure_ascii=False) for t in (text.title, text.summary))
        path.write_text(
            "---\n"
            f"# Translate the title and summary (replace each {{{default}: …}} by the text), then write the body below.\n"
            f"title: {{{default}: {title}}}\n"
            f"summary: {{{default}: {summary}}}\n"
            f'translated_from: "{original.digest}"\n'
            "---\n", "utf-8")
        written.append(path)
    if not written:
        raise ContentError([Problem(original.original, 1, f"--translate: every translation of '{slug}' exists already")])
    _keep_text(content, cache_dir, slug, default)
    return written


def _keep_text(content: Path, cache_dir: Path | None, slug: str, default: str) -> None:
    """Keep the original's text as it is now, for the diff once it changes (outside git)."""
    text = read_english(content / "stories" / f"{slug}.{default}.md", default)
    if text is not None and cache_dir is not None:
        ledger = Ledger.load(cache_dir)
        ledger.keep_text(slug, text)
        ledger.save(cache_dir)
