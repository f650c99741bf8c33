"""Running Pagefind: directories of finished pages → the bundles' files, several at once.

Pagefind's command line (the binary of the `pagefind[extended]` package) indexes a directory
and writes one bundle, with an index per `<html lang>` (`en`, `zh-hans`: the extended binary
segments Chinese). Each bundle is made in its own temporary directory beside the output from a
tree of the pages' views (pagefind_view.py: what Pagefind reads of them), by its own Pagefind
process; up to `jobs` run at a time, since one process keeps about one and a half cores busy.
A failure is one Problem naming the output.

The views and the bundles are scratch: written, read back once and deleted. They go to a
memory-backed directory where there is one (`SCRATCH`, Linux's /dev/shm), since making files
is most of the kernel's share of indexing on a disk: a 1,330-page shard took Pagefind 2.05 s
(1.8 s of it in the kernel, creating its 1,400 files in ext4) with its output on the disk,
1.15 s (0.3 s) in /dev/shm; writing the shard's views, 0.30 s against 0.03 s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import os
import pickle
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder import faults, pagefind_order, pagefind_view, trust
from site_builder.errors import ContentError, Problem
from site_builder.load import shown_path
from site_builder.write import discard, running

SCRATCH = Path("/dev/shm")  # memory-backed on Linux; elsewhere the work is done beside the output
SCRATCH_PREFIX = "site_builder-search-"  # + pid + "-": the work directory of one indexing
CANCEL_POLL = 0.02  # seconds between two looks at `cancel` while Pagefind runs
UNUSED = re.compile(r"^pagefind-(?:.*ui|highlight)\.|playground")  # Pagefind's own UIs: search.js is ours


class Cancelled(Exception):
    """`cancel` was set: the Pagefind processes were stopped and nothing was made."""


@dataclass(frozen=True)
class Previous:
    """A shard's bundle in the output, for Pagefind to skip the work of what is unchanged:
    `directory` holds it, `files` its fragments and word-index chunks (path in the bundle →
    sha1 of the bytes the records say were written)."""

    directory: Path
    files: dict[str, str]


def bundles(views: dict[int, dict[str, Path]], out: Path, jobs: int,
            cancel: threading.Event | None = None,
            previous: dict[int, Previous] | None = None,
            each: Callable[[int, dict[str, bytes]], None] | None = None,
            store: ViewStore | None = None, digests: dict[str, str] | None = None) -> dict[int, dict[str, bytes]]:
    """Index each view (output file → where its bytes are now): per view, its bundle's files,
    also handed to `each` as soon as it is made (from another thread, one bundle at a time).
    Raises Cancelled once `cancel` is set (serve: a save arrived while it indexed). With a
    `store`, the views are kept there between builds (`digests`: each file's view digest as
    recorded), else made afresh.

    A pipeline, since Pagefind's processes keep both cores busy and the rest is this process's
    alone: one thread writes the views shard after shard, Pagefind indexes a shard once its
    views are written (`jobs` at a time), another thread reads each bundle once made.

    Pagefind names a fragment or word-index chunk by a hash of its content and does not
    write one whose file exists (each is compressed at gzip's best level: most of the time
    of writing a bundle). So a bundle is made over links to its `previous` files; those the
    new metadata does not name are left out (copies when scratch is another file system), and if one it names is not sound (changed since
    written, or in a group of hashes Pagefind lengthened to tell them apart, whose names can
    swap between runs) the bundle is made again from nothing."""
    work = scratch_directory(out)
    previous = previous or {}

    sites: dict[int, Path] = {}  # where each key's views are, once written

    def prepare(key: int) -> dict[str, str] | None:
        sites[key] = work / str(key) / "site"
        made = None
        if store is not None:
            try:
                made = store.update(str(key), views[key], digests or {}, cancel)
            except OSError as bad:  # a full disk under .cache: made afresh
                print(f"note: cannot write {shown_path(store.root)}/ ({faults.reason(bad)}); "
                      "the search views are made afresh", file=sys.stderr)
        write_views(made if made is not None else made_views(views[key], cancel), sites[key], cancel)
        return link_previous(previous[key], work / str(key) / "bundle", cancel) if key in previous else None

    def finish(key: int, linked: dict[str, str] | None) -> dict[str, bytes] | None:
        bundle = read_bundle(work / str(key) / "bundle", out, linked)
        if bundle is not None:
            shutil.rmtree(work / str(key), ignore_errors=True)  # scratch may be memory: one shard's at a time
            if each is not None:
                each(key, bundle)
        return bundle

    try:
        made = run(work, sorted(views), out, jobs, cancel, prepare, finish, sites.__getitem__)
        again = sorted(key for key, bundle in made.items() if bundle is None)
        for key in again:
            shutil.rmtree(work / str(key) / "bundle")
        if again:
            made.update(run(work, again, out, jobs, cancel, finish=finish, site_of=sites.__getitem__))
        return made
    finally:
        if work.exists():  # what a failure or a save left: a directory per page, and Pagefind's files
            discard(work, out, later=work.parent == out.parent and sum(map(len, views.values())) > 500)


def scratch_directory(out: Path) -> Path:
    """A new directory for one indexing's views and bundles: in SCRATCH when it is there for
    us to write, else beside `out`. What killed builds left in SCRATCH is removed first (it
    holds memory until a reboot)."""
    base = SCRATCH if SCRATCH.is_dir() and os.access(SCRATCH, os.W_OK | os.X_OK) else out.parent
    prefix = SCRATCH_PREFIX if base == SCRATCH else f".{out.name}.search-"
    if base == SCRATCH:
        for entry in os.scandir(base):
            pid = entry.name[len(prefix):].split("-")[0] if entry.name.startswith(prefix) else ""
            if pid.isdigit() and not running(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)  # (another user's: not ours to remove)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))


def link_previous(previous: Previous, bundle: Path, cancel: threading.Event | None = None) -> dict[str, str]:
    """Hard links (copies, from another file system) in `bundle` to the previous bundle's
    files: those placed there, with their sha1."""
    linked = {}
    for path, target in placed(previous.files, bundle, cancel):
        try:
            os.link(previous.directory / path, target)
        except OSError:
            try:
                shutil.copyfile(previous.directory / path, target)
            except OSError:  # gone: Pagefind writes it
                continue
        linked[path] = previous.files[path]
    return linked


def sound(bundle: dict[str, bytes], linked: dict[str, str]) -> bool:
    """Whether every linked file the bundle keeps holds the bytes its record says and is not
    in a group of names one of which starts another (Pagefind lengthens a hash that collides;
    which page gets the short name depends on the order, so a linked file may hold the other's)."""
    if any(hashlib.sha1(data).hexdigest() != linked[path] for path, data in bundle.items() if path in linked):
        return False
    group: list[str] = []
    for path in sorted(p for p in bundle if p.startswith(pagefind_order.HASHED)) + [""]:
        if group and path.startswith(group[0].rsplit(".", 1)[0]):
            group.append(path)
            continue
        if len(group) > 1 and any(member in linked for member in group):
            return False
        group = [path]
    return True


@dataclass(frozen=True)
class ViewStore:
    """The views Pagefind was last given, kept between builds (under `.cache/`: a store per
    output and shard count, BuildState.views_directory and search.indexed_files), so that
    re-indexing a shard makes only the views that changed: making all 3,300 of a shard was a
    third of a one-story edit at 10,000 stories (1.4 s), for one or two changed pages.

    One sealed file per shard, `<shard>.views`: each page's view with its sha1, which is the
    page's view digest (PageRecord.search) while the view is current. Written again whenever
    a view changed, or (`serve` stopping it for a save) with what was made by then. A damaged
    file fails its seal and every view of the shard is made again."""

    root: Path

    def path(self, key: str) -> Path:
        return self.root / f"{key}.views"

    def update(self, key: str, sources: dict[str, Path], digests: dict[str, str],
               cancel: threading.Event | None = None) -> dict[str, bytes]:
        """The views of the shard's pages (`sources`: output file → where its page is;
        `digests`: its view's sha1 as recorded), by output file."""
        kept = self.read(key)
        views: dict[str, tuple[str, bytes]] = {}
        try:
            for file, source in checked(sources, cancel):
                entry = kept.get(file)
                if entry is not None and entry[0] == digests.get(file):
                    views[file] = entry
                else:
                    view = made_view(source)
                    views[file] = (hashlib.sha1(view).hexdigest(), view)
        except Cancelled:  # serve, a save: what was made is kept for the next time
            self.write(key, {**{f: e for f, e in kept.items() if f in sources}, **views})
            raise
        if views != kept:
            self.write(key, views)
        return {file: view for file, (_, view) in views.items()}

    def read(self, key: str) -> dict[str, tuple[str, bytes]]:
        payload = trust.read_sealed(self.path(key))  # sealed like every cache file
        try:
            kept = pickle.loads(payload) if payload else {}
        except Exception:  # (a pickle of another version of this code can raise anything)
            kept = {}
        return kept if isinstance(kept, dict) else {}

    def write(self, key: str, views: dict[str, tuple[str, bytes]]) -> None:
        trust.write_sealed(self.path(key), pickle.dumps(views, protocol=pickle.HIGHEST_PROTOCOL))

    def keep_only(self, keys: set[str]) -> None:
        """Remove the stores of shard counts no longer in the layout."""
        if self.root.is_dir():
            for found in self.root.iterdir():
                if found.name not in keys:
                    shutil.rmtree(found, ignore_errors=True)


def made_view(source: Path) -> bytes:
    data = source.read_bytes()
    return pagefind_view.view(data) or data


def made_views(sources: dict[str, Path], cancel: threading.Event | None = None) -> dict[str, bytes]:
    """What Pagefind is given: each page's view (pagefind_view.py), the same index for a
    fraction of the bytes to parse. Raises Cancelled once `cancel` is set."""
    return {file: made_view(source) for file, source in checked(sources, cancel)}


def write_views(views: dict[str, bytes], site: Path, cancel: threading.Event | None = None) -> None:
    """The tree Pagefind reads: each view at its page's path under `site`."""
    for file, target in placed(views, site, cancel):
        target.write_bytes(views[file])


def checked(items: dict, cancel: threading.Event | None = None):
    """The items of `items`; raises Cancelled once `cancel` is set (looked at every 100)."""
    for n, item in enumerate(items.items()):
        if n % 100 == 0 and cancel is not None and cancel.is_set():
            raise Cancelled()
        yield item


def placed(names, root: Path, cancel: threading.Event | None = None):
    """(name, root / name) for each name, its directory made; raises Cancelled once `cancel`
    is set (looked at every 100 files)."""
    made: set[Path] = set()
    for n, name in enumerate(names):
        if n % 100 == 0 and cancel is not None and cancel.is_set():
            raise Cancelled()
        target = root / name
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        yield name, target


def read_bundle(written: Path, out: Path, linked: dict[str, str] | None = None) -> dict[str, bytes] | None:
    """The bundle Pagefind wrote (made deterministic: pagefind_order.py), or None when a file
    linked from the previous bundle is not sound (see `bundles`)."""
    made = {path.relative_to(written).as_posix(): path.read_bytes()
            for path in sorted(written.rglob("*")) if path.is_file() and not UNUSED.search(path.name)}
    empty = sorted(name for name, data in made.items() if not data)
    if empty or "pagefind-entry.json" not in made:
        raise ContentError([Problem(shown_path(out), 0, "search index not built: Pagefind left "
                                    + (f"an empty {empty[0]}" if empty else "no pagefind-entry.json"))])
    try:
        bundle = pagefind_order.stable(made)
    except (KeyError, ValueError) as bad:
        raise ContentError([Problem(shown_path(out), 0, f"search index not built: Pagefind left an unreadable bundle ({bad})")]) from None
    return bundle if not linked or sound(bundle, linked) else None


class PagefindFailed(Exception):
    """Pagefind or its binary failed: the message says how."""


def run(work: Path, keys: list[int], out: Path, jobs: int, cancel: threading.Event | None = None,
        prepare: Callable[[int], Any] | None = None,
        finish: Callable[[int, Any], Any] | None = None,
        site_of: Callable[[int], Path] | None = None) -> dict[int, Any]:
    """Pagefind over `site_of(key)` (else `work/<key>/site`) into `work/<key>/bundle`, `jobs` at a time: per key,
    what `finish(key, what prepare(key) gave)` gives (run in a thread after Pagefind), once
    `prepare(key)` ran (in another thread, key after key, ahead of Pagefind: at most `jobs` + 1
    keys prepared and not finished, since what they made is in memory when scratch is). Stopped
    (Cancelled) within CANCEL_POLL seconds of `cancel` being set; a failure of Pagefind is a
    ContentError, of `prepare` or `finish` raised as it is."""
    async def all_of() -> dict[int, Any]:
        loop = asyncio.get_running_loop()
        turn = asyncio.Semaphore(max(1, jobs))
        ahead = asyncio.Semaphore(max(1, jobs) + 1)  # shards prepared and not finished: what scratch holds
        writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind-views")
        reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind-bundles")

        async def one(key: int) -> tuple[int, Any]:
            async with ahead:  # (waiters are served in turn: the shards in the order of `keys`)
                given = await loop.run_in_executor(writer, prepare, key) if prepare else None
                async with turn:
                    try:
                        await index_directory(site_of(key) if site_of else work / str(key) / "site", work / str(key) / "bundle")
                    except Exception as bad:  # (not CancelledError, a BaseException)  # whatever the binary or its start raised: the build must say it
                        raise PagefindFailed(" ".join(str(bad).split()) or type(bad).__name__) from None
                return key, (await loop.run_in_executor(reader, finish, key, given) if finish else given)

        async def cancelled() -> None:
            while not cancel.is_set():
                await asyncio.sleep(CANCEL_POLL)

        tasks = [asyncio.ensure_future(one(key)) for key in keys]
        watch = asyncio.ensure_future(cancelled()) if cancel is not None else None
        waiting = set(tasks) | ({watch} if watch else set())
        try:
            while waiting & set(tasks):
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if watch in done:
                    raise Cancelled()
                for task in done:
                    if task.exception() is not None:
                        raise task.exception()
            return dict(task.result() for task in tasks)
        finally:
            for task in tasks + ([watch] if watch else []):
                task.cancel()  # each index_directory kills its process
            await asyncio.gather(*tasks, return_exceptions=True)
            for pool in (writer, reader):
                pool.shutdown(wait=True, cancel_futures=True)

    try:
        return in_own_loop(all_of)
    except PagefindFailed as bad:
        raise ContentError([Problem(shown_path(out), 0, f"search index not built: Pagefind failed: {bad}")]) from None


def in_own_loop(make):
    """`asyncio.run(make())`, in a thread of its own when this one runs an event loop already
    (a build called from asyncio code: a test driving a browser, an embedding application)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def executable() -> Path:
    from pagefind.service import get_executable  # the wrapper's choice: PAGEFIND_BINARY_PATH, else the extended binary

    binary = get_executable()
    if binary is None:
        raise RuntimeError("no Pagefind binary (install the package with `pip install -e .`: pagefind[extended])")
    return binary


def arguments(binary: Path, view: Path, written: Path) -> list[str]:
    """Pagefind's command line for one bundle (tests put a wrapper in front of it)."""
    return [str(binary), "--site", str(view), "--output-path", str(written)]


async def index_directory(view: Path, written: Path) -> None:
    """Pagefind's CLI over `view` into `written`. Its CLI, not its `--service`: the same index
    for a fifth less CPU and a second less per bundle (measured on 3,300 pages), and the files
    are on disk when it exits. It runs in the work directory, so that no pagefind.yml of the
    editor's is read, and without PAGEFIND_* variables (read as its options)."""
    binary, view, written = executable(), view.absolute(), written.absolute()  # it runs elsewhere
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
    process = await asyncio.create_subprocess_exec(
        *arguments(binary, view, written), cwd=view.parent, env=environment,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        said, _ = await process.communicate()
    except asyncio.CancelledError:  # serve: a save arrived; the process must not outlive us
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        lines = [line.strip() for line in said.decode("utf-8", "replace").splitlines() if line.strip()]
        why = next((line for line in reversed(lines) if line.lower().startswith("error")), lines[-1] if lines else "")
        raise RuntimeError(f"{binary} stopped with exit status {process.returncode}" + (f": {why}" if why else ""))
