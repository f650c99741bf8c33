"""The file format of what one build leaves for the next (state.py says what, snapshot.py
what of the model): a versioned pickle, sealed with this user's key (trust.py), written
atomically; a damaged, foreign or older one is noted and ignored, never unpickled."""

from __future__ import annotations

import pickle
from pathlib import Path

from site_builder import collector, trust


def read_record(path: Path, version: int) -> object | None:
    """What `write_record` stored at `path` with this version; None if absent, and None with
    a note on stderr if damaged, foreign (not sealed with this user's key: never unpickled) or
    of another version. A cache is rebuilt, never trusted. The collector is off meanwhile:
    everything loaded stays alive, and walking it took a quarter of the time."""
    payload = trust.read_sealed(path)
    if payload is None:
        return None
    with collector.held():
        try:
            stored, value = pickle.loads(payload)
        except Exception:  # sealed by us, but by code whose classes have since changed
            stored = value = None
    if stored != version:
        trust.note_unreadable(path)
        return None
    return value


def write_record(path: Path, version: int, value: object) -> None:
    """Pickle `value` to `path`, sealed, atomically (a reader sees the old file or the new one)."""
    trust.write_sealed(path, pickle.dumps((version, value), protocol=pickle.HIGHEST_PROTOCOL))
