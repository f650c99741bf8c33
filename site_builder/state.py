"""What a build remembers for the next one, and the one object that owns it: `BuildState`.

Four things make a rebuild cheap, each a question the next build asks:
- the input fingerprint (names, sizes and times of every input): did anything change at all?
- the snapshot of the last good model (snapshot.py): can the Site be had without loading,
  by swapping the bodies of the story files that changed? (With it, the part of the model
  `status` reads: translation_facts.py.)
- the page records (`PageRecords`): which pages' signatures are unchanged, and which bytes
  are on disk already?
- in `serve`, the files the watcher reported since the last good build: only these are
  looked at.

A `build` in its own process reads them from `.cache/` and writes them back when it succeeded.
`serve` keeps them in memory between builds (`BuildState(options, in_memory=True)`), removes
the now stale copies on disk at once and writes the new ones at `flush()`, once it is idle, so
that a build in another process never trusts records older than the output.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from site_builder import load, reread, snapshot, translation_facts
from site_builder.assemble import Assembly
from site_builder.config import BuildOptions
from site_builder.i18n import CatalogSet
from site_builder.load import Content, Stamp, shown_path, source_stamps, source_stamps_at
from site_builder.markup import MarkdownCache
from site_builder.model import Site
from site_builder.records import read_record, write_record
from site_builder.snapshot import Snapshot
from site_builder.translation_memo import StatusMemo
from site_builder.urls import file_of

# What `serve` writes only once it has been idle for long (rebuild.SNAPSHOT_AFTER) or stops:
# pickling the model takes seconds at 10,000 stories, and a save arriving meanwhile waits.
SLOW_TO_WRITE = ("snapshot",)
RECORDS_VERSION = 3
FINGERPRINT_VERSION = 3
# Modules whose code does not shape the output: every other module of the package does,
# so a module added later counts until it is named here (the safe way to be wrong).
NOT_OUTPUT_MODULES = frozenset({"__init__", "__main__", "cli", "server", "rebuild", "status"})


class PagesForLater(Protocol):
    """What a `serve` build leaves for its idle moment (build.LaterPages)."""

    def write(self, out: Path, records: PageRecords, cancel: threading.Event | None = None) -> bool: ...


@dataclass
class PageRecord:
    """What the last good build knew of one page: its signature and the digest of its bytes."""

    signature: str
    hash: str
    looked_up: frozenset[str]  # the entity ids its templates looked up
    search: str = ""  # a page search indexes: the digest of what Pagefind reads of it (pagefind_view.py)


@dataclass(frozen=True)
class Fingerprint:
    """The last good build's inputs at a glance (`input_fingerprint`), its page count, and
    the output as it left it: every directory, and a digest of their modification times
    (`directory_times`). A file removed or added by hand changes its directory's time, so
    a build notices without listing the output's 60,000 files (a third of a second at
    10,000 stories; the 28,000 directories' stats take a third of that)."""

    inputs: str
    pages: int
    directories: tuple[str, ...] = ()  # relative to the output; "" is the output itself
    output: str = ""


@dataclass
class PageRecords:
    """What the last good build into an output directory rendered, and from what."""

    base: str  # digest of templates, catalogs, configuration, code: all pages depend on it
    generation: str  # the snapshot the site came from (see snapshot.py)
    reread: frozenset[str]  # story files whose bodies were swapped into that snapshot since
    pages: dict[str, PageRecord]


@dataclass(frozen=True)
class PatchedSite:
    """The Site brought up to date from the last snapshot, without loading the content."""

    site: Site
    snapshot: Snapshot
    reread: frozenset[str]  # story files re-read into it
    slugs: frozenset[str]  # their stories: the only pages that may have changed


def code_digest() -> str:
    """Pages rendered by older code are not reused (the modules that shape output only)."""
    h = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.stem not in NOT_OUTPUT_MODULES:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def output_directories(files: Iterable[str]) -> tuple[str, ...]:
    """Every directory holding one of these output files, and their parents."""
    found = {""}
    for file in files:
        directory = file.rpartition("/")[0]
        while directory not in found:
            found.add(directory)
            directory = directory.rpartition("/")[0]
    return tuple(sorted(found))


def directory_times(out: Path, directories: Iterable[str]) -> str | None:
    """A digest of the directories' modification times; None when one is gone."""
    h = hashlib.sha1()
    root = str(out)
    for directory in directories:
        try:
            st = os.stat(os.path.join(root, directory) if directory else root)
        except OSError:
            return None
        h.update(f"{directory}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _sha1(value: object) -> str:
    return hashlib.sha1(repr(value).encode()).hexdigest()


@dataclass
class BuildState:
    """The snapshot, page records and input fingerprint of the last good build, with the
    questions a build asks of them and `record()` for its answer."""

    options: BuildOptions
    in_memory: bool = False  # serve: kept here between builds, written at flush()
    snapshot: Snapshot | None = None
    records: PageRecords | None = None
    files: dict[str, Stamp] | None = None  # the content files' stamps at the last good build
    changed: set[str] | None = None  # serve's watcher: paths reported since; only these are looked at
    pages: int = 0  # pages of the last good build, for the fingerprint
    fingerprint: str | None = None  # of this build's inputs, when taken
    unsaved: set[str] = field(default_factory=set)  # of "snapshot", "records", "fingerprint"
    last: Fingerprint | None = field(default=None, repr=False)  # the fingerprint on disk, once read
    last_read: bool = field(default=False, repr=False)  # (read once: a damaged one is noted once)
    assembly: Assembly | None = None  # serve: what assemble made of each story (assemble.Assembly)
    list_tables: dict | None = None  # serve: what planning carries over while the heads stay (plan.Planner, paging.Lists)
    later_pages: PagesForLater | None = None  # serve: pages the last build left for idle time (build.LaterPages)
    translation_memo: StatusMemo | None = None  # serve: the last build's translation states (translation_memo.py)
    catalogs: tuple[dict[str, Stamp], CatalogSet] | None = None  # serve: the compiled catalogs, with their files' stamps

    def __post_init__(self) -> None:
        if self.in_memory and self.assembly is None:
            self.assembly = Assembly()
        if self.in_memory and self.list_tables is None:
            self.list_tables = {}
        if self.in_memory and self.translation_memo is None:
            self.translation_memo = StatusMemo()

    @classmethod
    def watched(cls, options: BuildOptions) -> BuildState:
        """For `serve`: in memory, and told of every change (`note`)."""
        return cls(options, in_memory=True, changed=set())

    @property
    def cached(self) -> bool:
        return self.options.write and self.options.cache_dir is not None

    @property
    def views_directory(self) -> Path | None:
        """Where the pages' search views are kept between builds (pagefind_run.ViewStore), for
        this output as its page records are."""
        if not self.cached:
            return None
        return self.options.cache_dir / f"search-views-{hashlib.sha1(str(self.options.out.resolve()).encode()).hexdigest()[:16]}"

    # The input fingerprint: a no-op rebuild stops here --------------------------------------
    def content_files(self) -> dict[str, Stamp]:
        """The content files' stamps: all of them looked at, or in `serve` only those the
        watcher reported changed since the last good build (20,000 stats are 0.15 s)."""
        root = self.options.content
        if not self.cached or not root.is_dir():
            return {}
        if self.files is None or self.changed is None:
            return source_stamps(root)
        files, top = dict(self.files), root.resolve()
        for path in map(Path, self.changed):
            if top not in path.parents:
                continue  # a template
            rel = path.relative_to(top).as_posix()
            if path.is_dir() or (not path.exists() and any(name.startswith(rel + "/") for name in files)):
                return source_stamps(root)  # a directory came or went: look at everything
            files.pop(rel, None)
            files.update(source_stamps_at(top, [path]))
        return files

    def unchanged_pages(self, files: dict[str, Stamp]) -> int | None:
        """The page count when no input changed since the last good build into an existing
        output (and none of its files was removed by hand); None when a build is needed."""
        if not self.cached or self.in_memory:
            return None
        self.fingerprint = self.input_fingerprint(files)
        if not self.options.out.is_dir():
            return None
        found = self.last_fingerprint()
        if found is None or found.inputs != self.fingerprint or not self.output_intact():
            return None
        return found.pages

    def last_fingerprint(self) -> Fingerprint | None:
        if not self.last_read and self.cached:
            found = read_record(self.fingerprint_path(), FINGERPRINT_VERSION)
            self.last, self.last_read = (found if isinstance(found, Fingerprint) else None), True
        return self.last

    def output_intact(self) -> bool:
        """Whether the output is as the last good build left it: nothing but this builder
        writes into it (`serve`), or no directory of it changed since (none removed or added by
        hand, and no file in one)."""
        if self.in_memory:
            return True
        found = self.last_fingerprint()
        return bool(found and found.output) and directory_times(self.options.out, found.directories) == found.output

    def input_fingerprint(self, content: dict[str, Stamp]) -> str:
        """Names, sizes and modification times of every input: cheap to take, and equal only
        when nothing was edited (~0.1 s for 20k files)."""
        o = self.options
        h = hashlib.sha1(repr((code_digest(), o.drafts, str(o.out.resolve()), o.base_url)).encode())
        h.update(repr(sorted(content.items())).encode())
        for directory, dirs, names in os.walk(o.templates):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(directory, name)
                st = os.stat(path)
                h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
        return h.hexdigest()

    # The last good model ---------------------------------------------------------------------
    def patched_site(self, files: dict[str, Stamp], bodies: MarkdownCache,
                     previous: PageRecords | None) -> PatchedSite | None:
        """The site from the last snapshot with changed story bodies swapped in, or None when
        the content must be loaded and assembled afresh."""
        if not self.cached:
            return None
        key = self.snapshot_key()
        taken = self.snapshot if self.snapshot is not None and self.snapshot.key == key else None
        taken = taken or snapshot.load(self.snapshot_path(), key)
        if taken is None or taken.bodies != bodies.identity:
            return None  # none, or the Markdown cache was cleared: bodies must be read again
        if self.in_memory:
            self.snapshot = taken
        also = previous.reread if previous and previous.generation == taken.generation else frozenset()
        found = snapshot.patched(taken, files, also, self.options.content, shown_path(self.options.content))
        if found is None:
            return None
        return PatchedSite(found.site, taken, frozenset(found.reread), frozenset(found.slugs))

    def take_snapshot(self, files: dict[str, Stamp], content: Content, site: Site,
                      bodies: MarkdownCache) -> Snapshot | None:
        """A snapshot of the Site just assembled (None when nothing is cached); in `serve` it
        keeps the loaded files too, for `reloaded_content`."""
        if not self.cached:
            return None
        return snapshot.take(self.snapshot_key(), files, content.stories, shown_path(self.options.content), site,
                             bodies.identity, content if self.in_memory else None)

    def edited(self, files: dict[str, Stamp]) -> tuple[set[str], set[str]]:
        """The stories (slugs) and entities (ids) whose files changed since the last good build
        (none when site.yaml or a misnamed file changed: everything is rebuilt then anyway)."""
        before = self.files or {}
        languages = self.snapshot.site.config.languages if self.snapshot else ()
        changed = reread.changed_sources((rel for rel in files.keys() | before.keys() if files.get(rel) != before.get(rel)),
                                         languages)
        if changed is None:
            return set(), set()
        slugs = {load.STORY_NAME_RE.match(rel[len("stories/"):])["slug"] for rel in changed.stories}
        return slugs, {rel.rpartition("/")[2][:-len(".yaml")] for rel in changed.entities}

    def reloaded_content(self, files: dict[str, Stamp]) -> Content | None:
        """`serve`: the content of the last good build with only the files changed since read
        again (reread.reloaded); None when it must be loaded afresh."""
        taken = self.snapshot
        if not self.in_memory or taken is None or taken.content is None or taken.key != self.snapshot_key():
            return None
        return reread.reloaded(taken.content, taken.files, files, self.options.content, shown_path(self.options.content))

    def snapshot_key(self) -> str:
        o = self.options
        return _sha1((code_digest(), o.drafts, str(o.content.resolve()), shown_path(o.content)))

    def snapshot_path(self) -> Path:
        """One file per content directory and drafts setting: a snapshot of older code is
        replaced, not kept beside (the key inside says which code took it)."""
        o = self.options
        return o.cache_dir / f"site-{_sha1((o.drafts, str(o.content.resolve()), shown_path(o.content)))[:16]}.pickle"

    def facts_path(self) -> Path:
        """translation_facts.py's record for `status`, valid for the snapshot's key."""
        o = self.options
        return o.cache_dir / f"translation-facts-{_sha1((str(o.content.resolve()), shown_path(o.content)))[:16]}.pickle"

    def save_facts(self, files: dict[str, Stamp], site: Site) -> None:
        """What `status` reads instead of the snapshot (a build with drafts has none to give:
        status shows published stories only)."""
        if not self.options.drafts:
            facts = translation_facts.of_site(self.snapshot_key(), files, site, shown_path(self.options.content))
            translation_facts.save(self.facts_path(), facts)

    # Page records ----------------------------------------------------------------------------
    def previous_records(self) -> PageRecords | None:
        """The records of the last good build into the output directory, if it is there."""
        if not self.options.write or not self.options.out.is_dir():
            return None
        if self.in_memory and self.records:
            return self.records
        path = self.records_path()
        found = read_record(path, RECORDS_VERSION) if path else None
        return found if isinstance(found, PageRecords) else None

    def records_path(self) -> Path | None:
        if not self.options.cache_dir:
            return None
        return self.options.cache_dir / f"pages-{hashlib.sha1(str(self.options.out.resolve()).encode()).hexdigest()[:16]}.pickle"

    def fingerprint_path(self) -> Path:
        return self.records_path().with_suffix(".fingerprint")

    # After a good build ----------------------------------------------------------------------
    def record(self, taken: Snapshot | None, records: PageRecords, files: dict[str, Stamp], pages: int,
               full: bool) -> None:
        """Remember this build for the next one: on disk now, or in `serve` in memory until
        `flush()` (the copies on disk, older now, are removed at once)."""
        if not self.cached or taken is None:
            return
        self.snapshot, self.records, self.files, self.pages = taken, records, files, pages
        self.last, self.last_read = None, False
        self.unsaved |= {"snapshot", "records", "fingerprint"} if full else {"records", "fingerprint"}
        if not self.in_memory:
            self.flush()
            return
        if self.changed is not None:  # the changes the watcher reported are built
            self.changed = set()
        self.records_path().unlink(missing_ok=True)
        self.fingerprint_path().unlink(missing_ok=True)

    def note(self, paths: Iterable[str]) -> None:
        """Paths the OS reported changed (created, modified or deleted)."""
        if self.changed is not None:
            self.changed.update(paths)

    def flush(self, cancel: threading.Event | None = None, later: tuple[str, ...] = ()) -> None:
        """Write what is remembered but not yet on disk (`serve`: search.settle() first).
        Once `cancel` is set (serve: a save arrived) it stops before the next file; the rest,
        and what is named in `later`, stays unsaved for the next time."""
        def part(name: str, ready: bool) -> bool:
            return (name in self.unsaved and name not in later and ready
                    and not (cancel is not None and cancel.is_set()))

        if part("snapshot", self.snapshot is not None):
            snapshot.save(self.snapshot_path(), self.snapshot)
            self.save_facts(self.snapshot.files, self.snapshot.site)
            self.unsaved.discard("snapshot")
        if part("records", self.records is not None):
            write_record(self.records_path(), RECORDS_VERSION, self.records)
            self.unsaved.discard("records")
        if part("fingerprint", self.files is not None):
            fingerprint = self.fingerprint if not self.in_memory and self.fingerprint else self.input_fingerprint(self.files)
            directories = output_directories(map(file_of, self.records.pages)) if self.records else ()
            output = directory_times(self.options.out, directories) or ""
            write_record(self.fingerprint_path(), FINGERPRINT_VERSION, Fingerprint(fingerprint, self.pages, directories, output))
            self.unsaved.discard("fingerprint")
        if cancel is None or not cancel.is_set():
            self.unsaved &= set(later)  # the rest is written (and settle has made the index)
