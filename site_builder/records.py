"""What one build leaves for the next: a record per page, and `serve`'s memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from site_builder.snapshot import Snapshot, Stamp


@dataclass
class PageState:
    signature: str
    hash: str
    looked_up: frozenset[str]


@dataclass
class PagesState:
    """What the last good build into an output directory rendered, and from what."""

    base: str  # digest of templates, catalogs, configuration, code: all pages depend on it
    generation: str  # the snapshot the site came from (see snapshot.py)
    reread: frozenset[str]  # story files whose bodies were swapped into that snapshot since
    pages: dict[str, PageState]


@dataclass
class BuildMemory:
    """What `serve` keeps between builds so that a body edit re-reads one file: the last
    snapshot and page records, held in memory; writing them to disk waits for `flush()`,
    after the browsers were told to reload (the records on disk are removed meanwhile,
    so that a build in another process never trusts stale ones)."""

    snapshot: Snapshot | None = None
    state: PagesState | None = None
    pending: dict[str, Callable[[], None]] = field(default_factory=dict)  # what → the latest write of it
    files: dict[str, Stamp] | None = None  # the content files' stamps at the last good build
    changed: set[str] | None = None  # paths the watcher reported since: only these are looked at

    def note(self, paths: Iterable[str]) -> None:
        """Paths the OS reported changed (created, modified or deleted)."""
        if self.changed is not None:
            self.changed.update(paths)

    def flush(self) -> None:
        for write in self.pending.values():
            write()
        self.pending.clear()
