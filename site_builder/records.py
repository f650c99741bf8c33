"""The file format of what one build leaves for the next (state.py says what, snapshot.py
what of the model): a versioned pickle, written atomically, ignored when damaged."""

from __future__ import annotations

import gc
import os
import pickle
from pathlib import Path


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
