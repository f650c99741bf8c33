"""What one build leaves for the next: a record per page, and `serve`'s memory."""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from site_builder.snapshot import Snapshot, Stamp


def read_record(path: Path, version: int) -> object | None:
    """What `write_record` stored at `path` with this version; None if absent, older or damaged
    (a cache is rebuilt, never trusted). The collector is off meanwhile: everything loaded stays
    alive, and walking it took a quarter of the time."""
    if not path.is_file():
        return None
    collecting = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as f:
            stored, value = pickle.load(f)
    except Exception:
        return None
    finally:
        if collecting:
            gc.enable()
    return value if stored == version else None


def write_record(path: Path, version: int, value: object) -> None:
    """Pickle `value` to `path` atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    with tmp.open("wb") as f:
        pickle.dump((version, value), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


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
