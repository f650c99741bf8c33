"""The garbage collector during a build: every setting of it made here, undone here.

A build makes about a million objects that all stay alive to its end (the model, the
renderer's memos), so the collector can only waste time on them: a quarter of loading went
to collections that freed nothing. `held()` covers a build (or the reading of a large
record): no collection while the model is made; once it is (`Collector.loaded()`) the model
is frozen out of the collector's sight and collections resume, and while pages render
(`Collector.rendering()`) only the young generations are collected, since pages leave young
reference cycles (Jinja's `with context` imports) and full collections would only walk the
growing memos again and again. Everything is restored on the way out.
"""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Collector:
    was_enabled: bool
    froze: bool = False

    def loaded(self) -> None:
        """The long-lived objects exist: hide them from the collector, which may run again."""
        gc.freeze()
        self.froze = True
        if self.was_enabled:
            gc.enable()

    @contextmanager
    def rendering(self) -> Iterator[None]:
        """Young collections only; what exists now is shared copy-on-write with forked
        workers, and frozen so that no collection writes into its pages."""
        gc.freeze()
        self.froze = True
        thresholds = gc.get_threshold()
        gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)


@contextmanager
def held() -> Iterator[Collector]:
    """No collection until `loaded()`; on exit, the collector as it was (nested, as in
    reading a record during a build, the inner one leaves the outer's settings alone)."""
    collector = Collector(gc.isenabled())
    gc.disable()
    try:
        yield collector
    finally:
        if collector.froze:
            gc.unfreeze()
        if collector.was_enabled:
            gc.enable()


def give_back() -> None:
    """Return to the system the memory freed since the last call: glibc keeps the space of
    freed large strings (a render frees ~120 MB of page text at 10,000 stories) in its heap for
    reuse, where a process tree's memory counts it. Nothing where libc is not glibc."""
    libc = glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def glibc() -> ctypes.CDLL | None:
    """The C library this process runs on, when it is glibc (it alone has malloc_trim)."""
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded: libc's among them
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None
