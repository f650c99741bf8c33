"""Running Pagefind: directories of finished pages → the bundles' files, several at once.

Pagefind's command line (the binary of the `pagefind[extended]` package) indexes a directory
and writes one bundle, with an index per `<html lang>` (`en`, `zh-hans`: the extended binary
segments Chinese). Each bundle is made in its own temporary directory beside the output from a
tree of the pages' views (pagefind_view.py: what Pagefind reads of them), by its own Pagefind
process; up to `jobs` run at a time, since one process keeps about one and a half cores busy.
A failure is one Problem naming the output.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder import faults, pagefind_order, pagefind_view, trust
from site_builder.errors import ContentError, Problem
from site_builder.load import shown_path
from site_builder.write import discard

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
    recorded), else written afresh in the work directory.

    A pipeline, since Pagefind's processes keep both cores busy and the rest is this process's
    alone: one thread writes the views shard after shard, Pagefind indexes a shard once its
    views are written (`jobs` at a time), another thread reads each bundle once made.

    Pagefind names a fragment or word-index chunk by a hash of its content and does not
    write one whose file exists (each is compressed at gzip's best level: most of the time
    of writing a bundle). So a bundle is made over links to its `previous` files; those the
    new metadata does not name are left out, and if one it names is not sound (changed since
    written, or in a group of hashes Pagefind lengthened to tell them apart, whose names can
    swap between runs) the bundle is made again from nothing."""
    work = out.parent / f".{out.name}.search-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    previous = previous or {}

    sites: dict[int, Path] = {}  # where each key's views are, once written

    def prepare(key: int) -> dict[str, str] | None:
        sites[key] = work / str(key) / "site"
        if store is not None:
            try:
                sites[key] = store.update(str(key), views[key], digests or {}, cancel)
            except OSError as bad:  # a full disk under .cache: written where they were before
                print(f"note: cannot write {shown_path(store.root)}/ ({faults.reason(bad)}); "
                      "the search views are written afresh", file=sys.stderr)
        if sites[key] == work / str(key) / "site":
            write_views(views[key], sites[key], cancel)
        return link_previous(previous[key], work / str(key) / "bundle", cancel) if key in previous else None

    def finish(key: int, linked: dict[str, str] | None) -> dict[str, bytes] | None:
        bundle = read_bundle(work / str(key) / "bundle", out, linked)
        if bundle is not None and each is not None:
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
        if work.exists():  # a directory per page, and Pagefind's files: deleting them costs seconds
            discard(work, out, later=sum(map(len, views.values())) > 500)


def link_previous(previous: Previous, bundle: Path, cancel: threading.Event | None = None) -> dict[str, str]:
    """Hard links in `bundle` to the previous bundle's files: those linked, with their sha1."""
    linked = {}
    for path, target in placed(previous.files, bundle, cancel):
        try:
            os.link(previous.directory / path, target)
        except OSError:  # gone, or a file system without links: Pagefind writes it
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
    output and shard count, BuildState.views_directory and search.indexed_files), so
    that re-indexing a shard writes only the views that changed: writing all 3,300 of a shard
    was a third of a one-story edit at 10,000 stories (1.4 s), for one or two changed pages.

    A shard's directory holds `site/` (the tree Pagefind reads) and `views.json`, which names
    every file in it with the sha1 of its bytes and its size and mtime. A view is written again
    when its page's view digest (PageRecord.search) differs, or its file's size or mtime does;
    a file of no page of the shard is removed. `views.json` is removed before the tree is
    changed and written once it is whole (or, when `serve` stops it for a save, listing what
    it holds then), so a tree without one (a build killed halfway, a damaged cache) is written
    again."""

    root: Path

    def site(self, key: str) -> Path:
        return self.root / key / "site"

    def update(self, key: str, sources: dict[str, Path], digests: dict[str, str],
               cancel: threading.Event | None = None) -> Path:
        """The shard's tree made to hold exactly the views of `sources` (output file → where
        its page is; `digests`: its view's sha1 as recorded), and its directory."""
        site, listing = self.site(key), self.root / key / "views.json"
        payload = trust.read_sealed(listing)  # sealed like every cache file
        try:
            kept = json.loads(payload) if payload else {}
        except ValueError:
            kept = {}
        if not isinstance(kept, dict):
            kept = {}  # every view written again
        listing.unlink(missing_ok=True)
        for found in files_under(site):  # a page gone, or a file put there by something else
            if found not in sources:
                (site / found).unlink()
        files, todo = {}, []
        for file in sources:
            entry = kept.get(file)
            if entry and entry[0] == digests.get(file) and self.unchanged(site / file, entry):
                files[file] = entry
            else:
                todo.append(file)
        try:
            for file, target in placed(todo, site, cancel):
                view = written_view(sources[file], target)
                stat = target.stat()
                files[file] = [hashlib.sha1(view).hexdigest(), stat.st_size, stat.st_mtime_ns]
        except Cancelled:  # serve, a save: the views not reached yet are still as listed
            files.update((file, kept[file]) for file in todo if file not in files and file in kept)
            trust.write_sealed(listing, json.dumps(files, separators=(",", ":")).encode())
            raise
        site.mkdir(parents=True, exist_ok=True)
        trust.write_sealed(listing, json.dumps(files, separators=(",", ":")).encode())
        return site

    @staticmethod
    def unchanged(path: Path, entry: list) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == entry[1] and stat.st_mtime_ns == entry[2]

    def keep_only(self, keys: set[str]) -> None:
        """Remove the trees of shards no longer in the layout (the shard count changed)."""
        if self.root.is_dir():
            for found in self.root.iterdir():
                if found.name not in keys:
                    shutil.rmtree(found, ignore_errors=True)


def files_under(root: Path) -> list[str]:
    """The files under `root`, as paths relative to it (none if it does not exist)."""
    found, stack = [], [("", str(root))]
    while stack:
        prefix, directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((prefix + entry.name + "/", entry.path))
            else:
                found.append(prefix + entry.name)
    return found


def written_view(source: Path, target: Path) -> bytes:
    data = source.read_bytes()
    view = pagefind_view.view(data) or data
    target.write_bytes(view)
    return view


def write_views(sources: dict[str, Path], site: Path, cancel: threading.Event | None = None) -> None:
    """What Pagefind is given: each page's view (pagefind_view.py), the same index for a
    fraction of the bytes to parse. Raises Cancelled once `cancel` is set."""
    for file, target in placed(sources, site, cancel):
        written_view(sources[file], target)


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
    `prepare(key)` ran (in another thread, key after key, ahead of Pagefind). Stopped
    (Cancelled) within CANCEL_POLL seconds of `cancel` being set; a failure of Pagefind is a
    ContentError, of `prepare` or `finish` raised as it is."""
    async def all_of() -> dict[int, Any]:
        loop = asyncio.get_running_loop()
        turn = asyncio.Semaphore(max(1, jobs))
        writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind-views")
        reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind-bundles")
        prepared = {key: loop.run_in_executor(writer, prepare, key) for key in keys} if prepare else {}

        async def one(key: int) -> tuple[int, Any]:
            given = await prepared[key] if prepare else None
            async with turn:
                try:
                    await index_directory(site_of(key) if site_of else work / str(key) / "site", work / str(key) / "bundle")
                except Exception as bad:  # (not CancelledError, a BaseException)  # whatever the binary or its start raised: the build must say it
                    raise PagefindFailed(" ".join(str(bad).split()) or type(bad).__name__) from None
            return key, (await loop.run_in_executor(reader, finish, key, given) if finish else given)

        async def cancelled() -> None:
            while not cancel.is_set():
                await asyncio.sleep(CANCEL_POLL)

        tasks = {asyncio.ensure_future(one(key)) for key in keys}
        watch = asyncio.ensure_future(cancelled()) if cancel is not None else None
        waiting = tasks | ({watch} if watch else set())
        try:
            while tasks & waiting:
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if watch in done:
                    raise Cancelled()
                for task in done:
                    if task.exception() is not None:
                        raise task.exception()
            return dict(task.result() for task in tasks)
        finally:
            for task in tasks | ({watch} if watch else set()):
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
