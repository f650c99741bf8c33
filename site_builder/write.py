"""Stage 4, write: pages into the output directory, all or nothing.

Each page's bytes are hashed as soon as they are rendered (in whichever process rendered them)
and staged only when the output does not hold exactly these bytes already (`stage`). Pages
wait in a staging directory beside the output; only when every page rendered does it replace
the output (`publish`): whole (`swap_in`, a full build) or page by page (`move_in`). The files
this replaces are deleted afterwards, in another process when there are many (`discard`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from site_builder import faults

DISCARD_LATER = 2000  # replaced pages; from this many, their files are deleted by another process
DISCARDED = ".discard-"  # in the name of a directory of replaced pages being deleted
STALE_DISCARD = 600  # seconds: a directory being deleted for longer lost its `rm` (a reboot, a kill)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C (or a TERM) waits while the output is being replaced: it then holds the previous
    site or the new one, never a mixture. A signal that came meanwhile is delivered after."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield  # signals go to the main thread, which is not replacing anything
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@dataclass(frozen=True)
class Staging:
    """Where pages wait until every page rendered: a tree that replaces the output whole
    (a full build), or one flat directory whose files are renamed into the output one by one
    (no directory to make per page: most pages are <dir>/index.html)."""

    root: Path
    flat: bool

    def path(self, name: str) -> str:
        if self.flat:
            return f"{self.root}/{name.replace('%', '%25').replace('/', '%2F')}"
        return f"{self.root}/{name}"

    @classmethod
    def beside(cls, out: Path, flat: bool, create: bool) -> Staging:
        """The staging directory of this process for `out`, made empty when `create`."""
        staging = cls(out.parent / f".{out.name}.staging-{os.getpid()}", flat)
        if create:
            try:
                prepare(out)
                if staging.root.exists():
                    shutil.rmtree(staging.root)
                staging.root.mkdir()
            except OSError as bad:
                raise faults.writing(bad, out) from None
        return staging

    def write(self, name: str, data: bytes) -> None:
        path = self.path(name)
        if not self.flat:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def clear(self, out: Path, written: int) -> None:
        """Remove what is left of the staging directory (all of it, after a failed build)."""
        if self.root.exists():
            discard(self.root, out, later=written >= DISCARD_LATER)


@dataclass(frozen=True)
class StagedFile:
    hash: str  # sha1 of the bytes, for the page's record
    written: bool  # staged, since the output lacked exactly these bytes


def stage(staging: Staging | None, out: Path, name: str, data: bytes, old_hash: str | None) -> StagedFile:
    """Stage `data` as the output file `name` unless `out` holds these bytes already (as the
    last build's record of its hash says); with no staging (`check`), only tell."""
    digest = hashlib.sha1(data).hexdigest()
    changed = not (old_hash == digest and (out / name).is_file())
    if changed and staging is not None:
        staging.write(name, data)
    return StagedFile(digest, changed)


def publish(staging: Staging, out: Path, full: bool, written: list[str], removed: list[str], pages: int) -> None:
    """Put the staged files in place: the whole tree after a full build, else file by file.
    Ctrl-C waits meanwhile (`uninterrupted`)."""
    with uninterrupted():
        if full:
            swap_in(staging, out, pages)
        else:
            move_in(staging, out, written, removed)


def swap_in(staging: Staging, out: Path, pages: int) -> None:
    """Replace the whole output by the staging tree (a full build); if the second rename
    fails, the first is undone, so the output is never missing."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.rename(out, old)
    try:
        os.rename(staging.root, out)
    except BaseException:
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise
    if old.exists():
        discard(old, out, later=pages >= DISCARD_LATER)


def prepare(out: Path) -> None:
    """Before staging a build beside `out`: its parent is made if missing (an OSError if it
    cannot be), and what builds killed mid-way left there is removed: staging and swapped-out
    trees of processes no longer running; unfinished deletions are started again."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out.name}."
    for entry in os.scandir(parent):
        if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
            continue
        kind, _, rest = entry.name[len(prefix):].partition("-")
        pid = rest.split("-")[0]
        if kind not in ("staging", "old", DISCARDED.strip(".-")) or not pid.isdigit() or running(int(pid)):
            continue
        if kind == "discard" and time.time() - entry.stat(follow_symlinks=False).st_mtime < STALE_DISCARD:
            continue  # its `rm` outlives the build that started it, and may still be at work
        if kind == "old" and not out.exists():
            os.rename(entry.path, out)  # killed between the two renames of swap_in: the site it had
        else:
            discard(Path(entry.path), out, later=kind != "staging")


def running(pid: int) -> bool:
    """Whether process `pid` is alive (or not ours to tell: taken as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def move_in(staging: Staging, out_dir: Path, written: list[str], removed: list[str]) -> None:
    """Rename each new page over the old one (atomically: a server never sees a gap).

    The old file is first linked into the staging directory under the new one's name:
    freeing a replaced file's blocks is most of a rename's cost (~80 µs, 2 s for a
    template edit at 10k stories), so it is left to `discard`, after the output is whole.
    """
    out = str(out_dir)
    keep_old = len(written) >= DISCARD_LATER
    for name in written:
        source, target = staging.path(name), f"{out}/{name}"
        try:
            if keep_old:
                os.link(target, source + ".old")
            os.replace(source, target)
        except FileNotFoundError:  # a new page, often in a new directory
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(source, target)
    for name in removed:
        target = out_dir / name
        if target.is_file():
            target.unlink()
        parent = target.parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def discard(directory: Path, out: Path, later: bool) -> None:
    """Delete a directory now or, when it is large, in a process of its own that outlives
    this one: the output is complete already, and deleting 26,000 files costs seconds of
    kernel time. The directory is renamed first (`.public.discard-<pid>`), so whoever waits
    for the deletion to end can see it (benchmarks/run.py does, before timing the next tool)."""
    rm = shutil.which("rm")
    if not later or rm is None:
        shutil.rmtree(directory, ignore_errors=True)
        return
    doomed = directory.with_name(f".{out.name}{DISCARDED}{os.getpid()}-{time.monotonic_ns()}")
    os.rename(directory, doomed)
    subprocess.Popen([rm, "-rf", "--", str(doomed)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


def static_files(templates: Path) -> dict[str, Path]:
    """Site path → file for templates/static, never following a link out of the templates."""
    root = templates / "static"
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    top = templates.resolve()
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if name.startswith(".") or not path.resolve().is_relative_to(top) or not path.resolve().is_file():
                continue
            found["static/" + path.relative_to(root).as_posix()] = path
    return found
