"""Stage 5, search: the written story and entity pages → a Pagefind bundle under /pagefind/.

Pagefind reads finished HTML, so indexing is the build's last stage, over the pages it is
about to move in: a tree of hard links to the staged pages and to the unchanged ones already
in the output (nothing is copied). Pagefind's `--service` (its Python API) writes one index
per `<html lang>` (`en`, `zh-hans`: the extended binary segments Chinese) into a temporary
directory; the bundle's files then go into the output like static files — into the staging
directory, so an indexer failure is a build error and the previous output stays as it was.

Pagefind cannot update an index, only write a new one, so the bundle is rebuilt only when an
indexed page's bytes changed or one came or went: a CSS or list-page edit keeps it. In `serve`
re-indexing waits until edits settle (BuildMemory.pending runs once a second passed without a
build), so a keystroke costs the page render only.

Besides Pagefind's files the bundle holds `names.<lang>.json`: every entity's names in every
script. The browser's segmentation of a Chinese query can differ from the indexer's
(CloudCannon/pagefind#1237: a 2- or 3-character name may find nothing), so search.js matches
names exactly against this list before showing Pagefind's full-text results.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from site_builder import pagefind_order, urls
from site_builder.config import ENTITY_TYPES
from site_builder.errors import ContentError, Problem
from site_builder.load import shown_path
from site_builder.model import Site
from site_builder.state import BuildState, PageRecord, PageRecords
from site_builder.write import Staging, stage

BUNDLE = "pagefind/"
STAMP = BUNDLE + "site-builder.txt"  # which engine wrote the bundle: another one re-indexes
UNUSED = re.compile(r"^pagefind-(?:.*ui|highlight)\.|playground")  # Pagefind's own UIs: search.js is ours
INDEXED = re.compile(r"[a-z]+/(?:stories|" + "|".join(ENTITY_TYPES.values()) + r")/[^/]+/index\.html")


def is_indexed(file: str) -> bool:
    return INDEXED.fullmatch(file) is not None


def pagefind_version() -> str:
    try:
        return version("pagefind")
    except PackageNotFoundError:
        return "missing"


def stamp() -> bytes:
    code = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()
    return f"pagefind {pagefind_version()}\nsite_builder search {code}\n".encode()


def index_pages(site: Site, state: BuildState, staging: Staging, pages: dict[str, PageRecord],
                previous: PageRecords | None, report) -> dict[str, PageRecord]:
    """The build's last stage: the bundle's records, its changed files staged like pages.

    Re-indexes when an indexed page's bytes changed or one came or went (`report.written`,
    the records); otherwise, and in `serve` until edits settle (`refresh`), keeps the bundle.
    """
    out, old = state.options.out, previous.pages if previous else {}
    kept = {url: record for url, record in old.items() if url.startswith(BUNDLE)}
    indexed = sorted(f for f in map(urls.file_of, pages) if is_indexed(f))
    was = kept.get(STAMP)
    current = (was is not None and was.hash == hashlib.sha1(stamp()).hexdigest() and (out / STAMP).is_file()
               and set(indexed) == {f for f in map(urls.file_of, old) if is_indexed(f)}
               and not any(is_indexed(f) for f in report.written))
    if not current and state.in_memory:
        state.unsaved.add("search")  # settle() re-indexes, once serve is idle
    if current or state.in_memory:
        report.pages += len(kept)
        return kept
    changed = set(report.written)
    files = bundle(site, {f: Path(staging.path(f)) if f in changed else out / f for f in indexed}, out)
    records = {}
    for url, data in files.items():
        record = kept.get(url)
        staged = stage(staging, out, url, data, record.hash if record else None)
        records[url] = PageRecord(staged.hash, staged.hash, frozenset())
        if staged.written:
            report.written.append(url)
    report.pages += len(records)
    return records


def settle(state: BuildState) -> None:
    """`serve`, idle: bring the index up to date if a build left it behind, then write what
    the state remembers (the records then include the new bundle)."""
    if "search" in state.unsaved and state.records is not None and state.snapshot is not None:
        refresh(state.snapshot.site, state.options.out, state.records)
    state.flush()


def refresh(site: Site, out: Path, records: PageRecords) -> None:
    """`serve`, once edits settled: index the output as it is and replace the bundle's
    changed files in place (a reader searching meanwhile sees the old index or the new);
    `records` gain the bundle's."""
    if not out.is_dir():
        return
    indexed = sorted(f for f in map(urls.file_of, records.pages) if is_indexed(f))
    try:
        files = bundle(site, {f: out / f for f in indexed}, out)
    except ContentError as bad:
        print("\n".join(map(str, bad.problems)), flush=True)
        return
    old = {url for url in records.pages if url.startswith(BUNDLE)}
    for url, data in files.items():
        digest = hashlib.sha1(data).hexdigest()
        was = records.pages.get(url)
        if not (was and was.hash == digest and (out / url).is_file()):
            target = out / url
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.new")
            temporary.write_bytes(data)
            os.replace(temporary, target)
        records.pages[url] = PageRecord(digest, digest, frozenset())
    for url in sorted(old - files.keys()):
        (out / url).unlink(missing_ok=True)
        del records.pages[url]


def bundle(site: Site, sources: dict[str, Path], out: Path) -> dict[str, bytes]:
    """Index `sources` (output file → where its bytes are now): the bundle's files."""
    work = out.parent / f".{out.name}.search-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        view = work / "site"
        for file, source in sources.items():
            target = view / file
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:  # another file system
                shutil.copyfile(source, target)
        view.mkdir(parents=True, exist_ok=True)
        written = work / "bundle"
        run_pagefind(view, written, out)
        made = {path.relative_to(written).as_posix(): path.read_bytes()
                for path in sorted(written.rglob("*")) if path.is_file() and not UNUSED.search(path.name)}
        empty = sorted(name for name, data in made.items() if not data)
        if empty or "pagefind-entry.json" not in made:
            raise ContentError([Problem(shown_path(out), 0, "search index not built: Pagefind left "
                                        + (f"an empty {empty[0]}" if empty else "no pagefind-entry.json"))])
        files = {BUNDLE + path: data for path, data in pagefind_order.stable(made).items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for lang in site.config.languages:
        files[f"{BUNDLE}names.{lang}.json"] = names_list(site, lang)
    files[STAMP] = stamp()
    return files


def run_pagefind(view: Path, written: Path, out: Path) -> int:
    """Pagefind over `view` into `written`; its failure is one Problem naming the output."""
    try:
        return asyncio.run(index_directory(view, written))
    except Exception as bad:  # whatever the service or its wrapper raised: the build must say it
        said = str(bad) if isinstance(bad, (OSError, RuntimeError)) or not bad.args else str(bad.args[0])  # (message, request)
        message = " ".join(said.split()) or type(bad).__name__
        raise ContentError([Problem(shown_path(out), 0, f"search index not built: Pagefind failed: {message}")]) from None


async def index_directory(view: Path, written: Path) -> int:
    from pagefind.index import IndexConfig
    from pagefind.service import PagefindService, get_executable

    binary = get_executable()
    if binary is None:
        raise RuntimeError("no Pagefind binary (install the package with `pip install -e .`: pagefind[extended])")
    service = await PagefindService().launch()
    # The wrapper waits forever for an answer from a binary that died, and its close() waits
    # 5 s more: its reader task and process are watched here (no public way to learn either).
    reader, process = service._poll_task, service._backend  # noqa: SLF001

    async def answer(request):
        task = asyncio.ensure_future(request)
        await asyncio.wait({task, reader}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            raise ConnectionError("no answer")
        return task.result()

    try:
        index = await answer(service.create_index(IndexConfig(keep_index_url=False)))
        found = await answer(index.add_directory(str(view)))
        await answer(index.write_files(str(written)))
        await written_out(written)  # before it exits: exiting abandons writes still in flight
    except Exception as bad:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(process.wait()), 1)
        status = process.returncode
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        reader.cancel()
        if status is not None or isinstance(bad, (ConnectionError, asyncio.IncompleteReadError)):
            raise RuntimeError(f"{binary} stopped" + (f" with exit status {status}" if status is not None else "")) from None
        raise
    process.stdin.close()  # it exits (close() would kill it)
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), 120)
    finally:
        reader.cancel()
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
    return int(found.get("page_count", 0))


async def written_out(directory: Path, polls: int = 2400, quiet: int = 10) -> None:
    """Wait until Pagefind's files hold their bytes. It writes through tokio, which hands each
    file's bytes to a background thread and answers before they are on disk (an empty
    pagefind.js and pagefind-entry.json reached builds, and under load a pagefind.js cut at
    40 KB): the output is taken as complete once the entry file is there, no file is empty and
    no size has changed for `quiet` polls in a row (half a second: a writer thread of a loaded
    machine can pause for longer than one poll)."""
    sizes, same = None, 0
    for _ in range(polls):
        now = {path: path.stat().st_size for path in directory.rglob("*") if path.is_file()}
        same = same + 1 if now == sizes else 0
        if same >= quiet and all(now.values()) and (directory / "pagefind-entry.json") in now:
            return
        sizes = now
        await asyncio.sleep(0.05)


def names_list(site: Site, lang: str) -> bytes:
    """[site path, name in `lang`, type, every name] per entity, for exact name matches."""
    default = site.config.default_language
    entries = []
    for entity in site.entities.values():
        names = [value for _, value in entity.name.values]
        names += [value for _, value in entity.short.values] if entity.short else []
        names += list(entity.aliases)
        entries.append([urls.entity(lang, entity), entity.name.pick(lang, default)[0], entity.type,
                        list(dict.fromkeys(names))])
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
