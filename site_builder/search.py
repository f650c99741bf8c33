"""Stage 5, search: the written story and entity pages → Pagefind bundles under /pagefind/.

Pagefind reads finished HTML, so indexing is the build's last stage, over the pages it is
about to move in (pagefind_run.py runs it). Its files go into the output like static files —
into the staging directory, so an indexer failure is a build error and the previous output
stays as it was.

Pagefind cannot update an index, only write a new one, and it costs about 1.5 ms a page, so
a large site is indexed in shards: the pages of one story or entity (in every language) go
to one of `count` shards by a hash of their path, `count` the power of two that keeps a
shard at most `search_shard_size` pages (site.yaml; 2,000 by default). The first shard is
the bundle at /pagefind/ that search.js loads; the others, at /pagefind/<n>/ (listed in
/pagefind/shards.json), are merged into it in the browser (Pagefind's `mergeIndex`, which
reuses the first bundle's WebAssembly). A shard is indexed again only when what Pagefind reads of
one of its pages changed (pagefind_view.py: `<html lang>` and the `data-pagefind-body`
element; a template edit elsewhere changes nothing) or a page came or went (the page records
keep a digest of each shard's pages, `recorded_digests`), so a story edit re-indexes one
shard, not the site, a header or footer edit none, and a
small site (one shard) has the single bundle it always had. In `serve` re-indexing waits
until edits settle (`settle`, once serve is idle), so a keystroke costs the page render only.

Besides Pagefind's files the bundle holds `names.<lang>.<n>.json`: every entity's names in every
script. The browser's segmentation of a Chinese query can differ from the indexer's
(CloudCannon/pagefind#1237: a 2- or 3-character name may find nothing), so search.js matches
names exactly against these lists before showing Pagefind's full-text results. The list is
in NAME_BUCKETS files by the first letter of each name (`name_bucket`; search.js computes
the same): a search fetches only those of its words' first letters (of every character when
it has Chinese in it, which a name may start anywhere in), 37 KB for "Chongqing" at 10,000 stories
rather than the whole list's 281 KB (2.8 MB at 100,000).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from site_builder import pagefind_view, urls
from site_builder.config import ENTITY_TYPES
from site_builder.errors import ContentError
from site_builder.model import Site
from site_builder.state import BuildState, PageRecord, PageRecords
from site_builder.write import Staging, stage

BUNDLE = "pagefind/"
STAMP = BUNDLE + "site-builder.txt"  # the engine and layout of the bundles
NAME_BUCKETS = 32  # names files per language (search.js has the same number)
SHARDS = BUNDLE + "shards.json"  # the bundles search.js merges into the first
SHARD_SIZE = 2000  # pages per shard at most, unless site.yaml says `search_shard_size` (see the README)
SHARD_DIRECTORY = re.compile(r"pagefind/(\d+)/")
ENGINE = re.compile(r"pagefind(?:-worker)?\.js|wasm\..*\.pagefind")  # the first bundle's: merged ones reuse it
INDEXED = re.compile(r"[a-z]+/(?:stories|" + "|".join(ENTITY_TYPES.values()) + r")/[^/]+/index\.html")


def is_indexed(file: str) -> bool:
    return INDEXED.fullmatch(file) is not None


def view_digest(page: bytes) -> str:
    """What an indexed page's record keeps for its shard's digest (pagefind_view.py)."""
    return pagefind_view.digest(page)


def pagefind_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # ~0.1 s to import: only when indexing

    try:
        return version("pagefind")
    except PackageNotFoundError:
        return "missing"


@functools.cache  # one engine per process
def engine_line() -> str:
    code = hashlib.sha1(b"".join(Path(__file__).with_name(name).read_bytes()
                                 for name in ("search.py", "pagefind_order.py"))).hexdigest()
    return f"pagefind {pagefind_version()}\nsite_builder search {code}\n"


def shard_count(pages: int, size: int) -> int:
    count = 1
    while pages > size * count:
        count *= 2
    return count


def shard_of(file: str, count: int) -> int:
    """The same shard for a page in every language (its path without the language)."""
    return int(hashlib.sha1(file.split("/", 1)[1].encode()).hexdigest()[:8], 16) % count


@dataclass(frozen=True)
class Layout:
    """Which shard indexes which page, and each shard's place in the output."""

    count: int
    shards: dict[int, tuple[str, ...]]  # shard → its indexed output files (sorted); only shards with pages

    @classmethod
    def of(cls, files, size: int) -> Layout:
        indexed = sorted(f for f in files if is_indexed(f))
        count = shard_count(len(indexed), size)
        shards: dict[int, list[str]] = {}
        for file in indexed:
            shards.setdefault(shard_of(file, count), []).append(file)
        return cls(count, {shard: tuple(shards[shard]) for shard in sorted(shards)})

    @property
    def first(self) -> int:
        return min(self.shards, default=0)

    def directory(self, shard: int) -> str:
        return BUNDLE if shard == self.first else f"{BUNDLE}{shard}/"

    def header(self) -> str:
        return engine_line() + f"shards {self.count} first {self.first}\n"

    def digests(self, pages: dict[str, PageRecord]) -> str:
        """Per shard, a digest of its pages' paths and of what Pagefind reads of them (their
        views, pagefind_view.py): what its bundle is made from. A template edit outside the
        indexed element changes no digest and indexes nothing again."""
        hashes = {urls.file_of(url): record.search or record.hash for url, record in pages.items()}
        lines = []
        for shard, files in self.shards.items():
            digest = hashlib.sha1("".join(f"{f}\0{hashes[f]}\n" for f in files).encode())
            lines.append(f"{shard} {digest.hexdigest()}\n")
        return "".join(lines)

    def stale(self, wanted: str, recorded: str | None, out: Path) -> list[int]:
        """The shards to index again: all if the engine or layout changed (`recorded` None),
        else those whose pages changed (or whose bundle is missing from the output)."""
        if recorded is None:
            return list(self.shards)
        was = set(recorded.splitlines())
        return [shard for shard, line in zip(self.shards, wanted.splitlines())
                if line not in was or not (out / self.directory(shard) / "pagefind-entry.json").is_file()]

    def owner(self, url: str) -> int | None:
        """The shard whose bundle holds a file of the output's pagefind/ (None: the whole site's)."""
        if url in (STAMP, SHARDS) or url.startswith(BUNDLE + "names."):
            return None
        found = SHARD_DIRECTORY.match(url)
        return int(found.group(1)) if found else self.first


def recorded_digests(layout: Layout, out: Path, record: PageRecord | None) -> str | None:
    """What the bundles in the output were made from, if they are this engine's in this layout.
    The stamp file says engine and layout; its record keeps the shards' digests as its
    signature (not in the file: they change with every page's bytes, a preview's URLs too)."""
    header = hashlib.sha1(layout.header().encode()).hexdigest()
    return record.signature if record and record.hash == header and (out / STAMP).is_file() else None


def shard_size(site: Site) -> int:
    return site.config.search_shard_size or SHARD_SIZE


@dataclass(frozen=True)
class IndexCheck:
    """The pages' shards now, their digests, and the digests the bundles in the output were
    made from (None: another engine or layout): what both a build and `serve` ask first."""

    layout: Layout
    wanted: str
    recorded: str | None

    @classmethod
    def of(cls, site: Site, out: Path, pages: dict[str, PageRecord], stamp: PageRecord | None) -> IndexCheck:
        layout = Layout.of(map(urls.file_of, pages), shard_size(site))
        return cls(layout, layout.digests(pages), recorded_digests(layout, out, stamp))

    @property
    def current(self) -> bool:
        return self.wanted == self.recorded

    def stale(self, out: Path) -> list[int]:
        return self.layout.stale(self.wanted, self.recorded, out)

    def keeps(self, url: str, stale: list[int]) -> bool:
        """Whether a bundle file the output holds stays: its shard is laid out as before and current."""
        owner = self.layout.owner(url)
        return self.recorded is not None and owner in self.layout.shards and owner not in stale


def index_pages(site: Site, state: BuildState, staging: Staging, pages: dict[str, PageRecord],
                previous: PageRecords | None, report) -> dict[str, PageRecord]:
    """The build's last stage: the bundles' records, the changed files staged like pages.

    Re-indexes the shards whose pages changed; none in a no-op build, and in `serve` none
    until edits settle (`refresh`)."""
    out, old = state.options.out, previous.pages if previous else {}
    kept = {url: record for url, record in old.items() if url.startswith(BUNDLE)}
    if state.in_memory and previous is not None and previous is state.records:
        # serve, after a build of this session (whose index is current unless "search" is
        # unsaved): whether an indexed page came, went or changed what Pagefind reads is
        # enough to know, without laying out 26,000 pages in shards (a fifth of a body edit)
        if "search" not in state.unsaved and views_changed(old, pages):
            state.unsaved.add("search")
        report.pages += len(kept)
        return kept
    check = IndexCheck.of(site, out, pages, kept.get(STAMP))
    if check.current or state.in_memory:
        if not check.current:
            state.unsaved.add("search")  # settle() re-indexes, once serve is idle
        report.pages += len(kept)
        return kept
    stale = check.stale(out)
    changed = set(report.written)
    records: dict[str, PageRecord] = {}

    def take(files: dict[str, bytes]) -> None:  # a shard's bundle as soon as it is made, then the rest
        for url, data in files.items():
            if url not in records:
                record = kept.get(url)
                staged = stage(staging, out, url, data, record.hash if record else None)
                records[url] = PageRecord(check.wanted if url == STAMP else staged.hash, staged.hash, frozenset())
                if staged.written:
                    report.written.append(url)

    take(indexed_files(site, check.layout, stale, out, state.options.jobs,
                       lambda f: Path(staging.path(f)) if f in changed else out / f,
                       written={url: record.hash for url, record in kept.items()} if previous else None, each=take,
                       views=(state.views_directory, pages) if state.views_directory else None))
    records.update({url: record for url, record in kept.items() if url not in records and check.keeps(url, stale)})
    report.pages += len(records)
    return records


def views_changed(old: dict[str, PageRecord], new: dict[str, PageRecord]) -> bool:
    """Whether the indexed pages or their views (PageRecord.search) differ."""
    return (any(record.search and (url not in old or old[url].search != record.search) for url, record in new.items())
            or any(record.search and url not in new for url, record in old.items()))


def indexed_files(site: Site, layout: Layout, stale: list[int], out: Path, jobs: int | None,
                  source_of, cancel: threading.Event | None = None,
                  written: dict[str, str] | None = None,
                  each: Callable[[dict[str, bytes]], None] | None = None,
                  views: tuple[Path, dict[str, PageRecord]] | None = None) -> dict[str, bytes]:
    """The stale shards' bundles and the files about the whole index (names, shards, stamp),
    by output path; `each` is given each shard's files as soon as they are made (from another
    thread). `written`: the bundle files in the output and their hashes, as the records say
    (not after `build --clean`): Pagefind then skips what is unchanged in a shard's previous bundle.
    `views`: where the views are kept between builds (BuildState.views_directory) and the
    pages' records (their view digests); without it the views are written afresh."""
    from site_builder import pagefind_run  # asyncio and Pagefind's wrapper: only when indexing

    store, digests = None, None
    if views is not None:
        root, pages = views
        store = pagefind_run.ViewStore(root / f"views-{layout.count}")
        pagefind_run.ViewStore(root).keep_only({store.root.name})  # another layout's, or an older store's
        digests = {urls.file_of(url): record.search for url, record in pages.items() if record.search}

    def placed(shard: int, bundle: dict[str, bytes]) -> dict[str, bytes]:
        first = shard == layout.first
        return {layout.directory(shard) + path: data for path, data in bundle.items() if first or not ENGINE.fullmatch(path)}

    sources = {shard: {f: source_of(f) for f in layout.shards[shard]} for shard in stale}
    made = pagefind_run.bundles(sources, out, jobs or os.cpu_count() or 1, cancel,
                                previous_bundles(layout, stale, out, written or {}),
                                (lambda shard, bundle: each(placed(shard, bundle))) if each else None,
                                store, digests)
    files = {}
    for shard, bundle in sorted(made.items()):
        files.update(placed(shard, bundle))
    for lang in site.config.languages:
        for bucket, data in names_lists(site, lang).items():
            files[f"{BUNDLE}names.{lang}.{bucket}.json"] = data
    merged = [layout.directory(shard)[len(BUNDLE):] for shard in layout.shards if shard != layout.first]
    files[SHARDS] = json.dumps(merged).encode()
    files[STAMP] = layout.header().encode()
    return files


def previous_bundles(layout: Layout, stale: list[int], out: Path, written: dict[str, str]):
    """Per stale shard, the hashed files of the bundle its directory in the output holds."""
    from site_builder.pagefind_order import HASHED
    from site_builder.pagefind_run import Previous

    found: dict[str, dict[str, str]] = {}
    for url, digest in written.items():
        shard = SHARD_DIRECTORY.match(url)
        directory = shard.group(0) if shard else BUNDLE
        if url.startswith(directory) and url[len(directory):].startswith(HASHED):
            found.setdefault(directory, {})[url[len(directory):]] = digest
    return {shard: Previous(out / layout.directory(shard), found[layout.directory(shard)])
            for shard in stale if layout.directory(shard) in found}


def settle(state: BuildState, cancel: threading.Event | None = None, later: tuple[str, ...] = ()) -> None:
    """`serve`, idle: write the pages the last build left for later, bring the index up to
    date if a build left it behind, then write what the state remembers (the records then
    include the new bundles), but for what is named in `later`. Once `cancel` is set (serve:
    a save arrived) it stops as soon as it can, leaving the rest for the next time."""
    from site_builder import pagefind_run

    if state.later_pages is not None and state.records is not None:  # the pages the last build left (build.LaterPages)
        if not state.later_pages.write(state.options.out, state.records, cancel):
            return
        state.later_pages = None
    if "search" in state.unsaved and state.records is not None and state.snapshot is not None:
        try:
            refresh(state.snapshot.site, state.options.out, state.records, state.options.jobs, cancel,
                    state.views_directory)
        except pagefind_run.Cancelled:
            return
    state.flush(cancel, later)


def refresh(site: Site, out: Path, records: PageRecords, jobs: int | None = None,
            cancel: threading.Event | None = None, views: Path | None = None) -> None:
    """`serve`, once edits settled: index the stale shards of the output as it is and replace
    their files in place (a reader searching meanwhile sees the old index or the new);
    `records` gain the bundles'. Raises pagefind_run.Cancelled, having changed nothing, when
    `cancel` is set before the bundles are made."""
    if not out.is_dir():
        return
    check = IndexCheck.of(site, out, records.pages, records.pages.get(STAMP))
    if check.current:
        return
    stale = check.stale(out)
    try:
        files = indexed_files(site, check.layout, stale, out, jobs, lambda f: out / f, cancel,
                              {url: record.hash for url, record in records.pages.items() if url.startswith(BUNDLE)},
                              views=(views, records.pages) if views else None)
    except ContentError as bad:
        print("\n".join(map(str, bad.problems)), flush=True)
        return
    if cancel is not None and cancel.is_set():
        from site_builder.pagefind_run import Cancelled
        raise Cancelled()
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
        records.pages[url] = PageRecord(check.wanted if url == STAMP else digest, digest, frozenset())
    for url in sorted(old - files.keys()):
        if not check.keeps(url, stale):
            (out / url).unlink(missing_ok=True)
            del records.pages[url]


def name_bucket(name: str) -> int | None:
    """Which names file lists a name: by its first letter or digit (NFKC, lower case), as
    search.js picks the files of a query; None for a name without one."""
    for char in unicodedata.normalize("NFKC", name).lower():
        if unicodedata.category(char)[0] in "LN":
            return ord(char) % NAME_BUCKETS
    return None


def names_lists(site: Site, lang: str) -> dict[int, bytes]:
    """Per bucket (all NAME_BUCKETS, empty ones too), [site path, name in `lang`, type, every
    name] of each entity with a name there, for exact name matches."""
    default = site.config.default_language
    buckets: dict[int, list] = {n: [] for n in range(NAME_BUCKETS)}
    for entity in site.entities.values():
        names = [value for _, value in entity.name.values]
        names += [value for _, value in entity.short.values] if entity.short else []
        names = list(dict.fromkeys([*names, *entity.aliases]))
        entry = [urls.entity(lang, entity), entity.name.pick(lang, default)[0], entity.type, names]
        for bucket in sorted({n for n in map(name_bucket, names) if n is not None}):
            buckets[bucket].append(entry)
    return {n: json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            for n, entries in buckets.items()}
