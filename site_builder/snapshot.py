"""The last good build's model, kept so that a rebuild can skip load and assemble.

Loading 10,000 stories (YAML, schema, ids) and assembling them takes seconds; most rebuilds
change no content (a template or catalog edit) or only the Markdown under one story's
front-matter. A `Snapshot` is the assembled `Site` of the last good build together with the
size and modification time of every content file it was made from, and, for each story
file, what a body edit must leave alone (the front-matter's digest, the [[id]]s the body
links). `patched()` compares it with the content as it is now and gives back the Site when
it can be brought up to date by swapping bodies, or None when only a full load will do.
The snapshot itself is never changed: files re-read since it was taken are re-read each build
(the page records say which: state.py), so a body edited and then restored is rendered again too.

Story bodies are not stored on disk: the Markdown cache holds what pages need, keyed by
each version's `body_key`, so the snapshot stays a fraction of the content's size.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from site_builder.assemble import with_body
from site_builder.errors import Problem
from site_builder.load import STORY_NAME_RE, Content, Stamp, StoryFile, read_text, split_front_matter
from site_builder.model import Site
from site_builder.records import read_record, write_record
from site_builder.wikilinks import scan_links

VERSION = 2


@dataclass(frozen=True)
class BodyFacts:
    """What an edit of a story file may not change for its body to be swapped in alone."""

    front_digest: str
    links: tuple[str, ...]  # ids written [[id]] in the body
    has_body: bool  # an empty translation body inherits the original's


@dataclass(frozen=True)
class Snapshot:
    key: str  # code, options and paths it is valid for
    generation: str  # names the full build it was taken in; page records carry it too
    files: dict[str, Stamp]  # path relative to the content root → stamp
    stories: dict[str, BodyFacts]  # same paths, story files only
    site: Site
    bodies: str  # identity of the Markdown cache that holds every body of `site`
    content: Content | None = None  # serve, in memory only: the loaded files `site` was made from


@dataclass(frozen=True)
class Patch:
    """A snapshot's site brought up to date by swapping bodies."""

    site: Site
    reread: frozenset[str]  # story files re-read (relative to the content root)
    slugs: frozenset[str]  # their stories


def take(key: str, files: dict[str, Stamp], stories: list[StoryFile], shown_root: str, site: Site,
         bodies: str, content: Content | None = None) -> Snapshot:
    """The snapshot of a freshly assembled site, under a new generation."""
    prefix = len(shown_root) + 1
    facts = {
        f.path[prefix:]: BodyFacts(f.front_digest, tuple(r.id for r in f.links), bool(f.body.strip()))
        for f in stories
    }
    return Snapshot(key, uuid.uuid4().hex, files, facts, site, bodies, content)


def patched(snapshot: Snapshot, files: dict[str, Stamp], also: Iterable[str], root: Path,
            shown_root: str) -> Patch | None:
    """The site as the content now is, or None when a file was added, removed, or changed in
    anything but a story's body.

    Re-reads the story files whose stamps differ from the snapshot's and those in `also`
    (files an earlier build already re-read: their pages may show a body the snapshot
    lacks). The snapshot itself is left as it was."""
    if files.keys() != snapshot.files.keys():
        return None
    reread = {rel for rel, stamp in files.items() if snapshot.files[rel] != stamp} | set(also)
    if any(rel not in snapshot.stories for rel in reread):
        return None  # an entity, site.yaml or anything else: assemble again
    stories = {lang: dict(versions) for lang, versions in snapshot.site.stories.items()} if reread else snapshot.site.stories
    slugs: set[str] = set()
    for rel in sorted(reread):
        shown = f"{shown_root}/{rel}"
        body = _new_body(root / rel, shown, snapshot.stories[rel])
        match = STORY_NAME_RE.match(rel.rpartition("/")[2])
        if body is None or not match:
            return None
        slug = match.group("slug")
        slugs.add(slug)
        for versions in stories.values():
            version = versions.get(slug)
            if version is not None and version.path == shown:
                versions[slug] = with_body(version, body)
    return Patch(replace(snapshot.site, stories=stories), frozenset(reread), frozenset(slugs))


def _new_body(path: Path, shown: str, facts: BodyFacts) -> str | None:
    problems: list[Problem] = []
    text, _ = read_text(path, shown, problems)
    parts = split_front_matter(text, shown, problems) if text is not None else None
    if problems or not parts:
        return None
    front, body, line = parts
    if hashlib.sha1(front.encode("utf-8")).hexdigest() != facts.front_digest:
        return None
    if tuple(r.id for r in scan_links(body, shown, line)) != facts.links or bool(body.strip()) != facts.has_body:
        return None
    return body


def save(path: Path, snapshot: Snapshot) -> None:
    """Write without bodies (the Markdown cache has them), atomically."""
    site = snapshot.site
    stories = {lang: {slug: replace(v, body="") for slug, v in versions.items()} for lang, versions in site.stories.items()}
    lean = replace(snapshot, site=replace(site, stories=stories), content=None)
    write_record(path, VERSION, lean)


def load(path: Path, key: str) -> Snapshot | None:
    """The snapshot at `path` if it was taken for `key`; a damaged one is ignored."""
    snapshot = read_record(path, VERSION)
    return snapshot if isinstance(snapshot, Snapshot) and snapshot.key == key else None
