"""The pipeline: load → assemble → render → write, with caches that make rebuilds cheap.

- Markdown is rendered once per distinct body text (markup.MarkdownCache).
- The assembled model of the last good build is kept (snapshot.py): reused when no content
  file changed, patched when only story bodies did; then the pages to render are known
  without planning the others.
- Every page has a signature: the digests it is declared to depend on (render.Route.deps),
  the digests of the entities its templates looked up last time, and the digests of the
  templates, catalog, configuration and this code. A page whose signature has not changed
  is not rendered again; a rendered page whose bytes have not changed is not written.
- Output is written to a staging directory beside `--out`: a full build is swapped in as a
  whole, an incremental one file by file, and only after every page rendered without error,
  so a failed build leaves the previous output as it was. Replaced files are deleted after.
- `serve` passes a BuildMemory: the snapshot, page records and content stamps stay in memory.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult
from pathlib import Path

from site_builder import markup, snapshot, write
from site_builder.assemble import assemble
from site_builder.errors import ContentError, Problem
from site_builder.i18n import CatalogSet, load_catalogs
from site_builder.load import load_content
from site_builder.markup import MarkdownCache, render_missing, render_story_files
from site_builder.model import Site
from site_builder.snapshot import Snapshot, Stamp
from site_builder.render import Renderer, Route
from site_builder.parallel import render_pages
from site_builder.records import BuildMemory, PagesState, PageState, read_record, write_record
from site_builder.urls import file_of
from site_builder.write import Staging, count_files, discard, move_in, swap_in

STATE_VERSION = 2


@dataclass(frozen=True)
class BuildOptions:
    content: Path = Path("content")
    templates: Path = Path("templates")
    out: Path = Path("public")
    drafts: bool = False
    cache_dir: Path | None = Path(".cache")
    jobs: int = 0  # 0: one per core
    write: bool = True  # False for `check`: everything but the writing


@dataclass
class BuildReport:
    pages: int = 0
    rendered: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    markdown_rendered: int = 0
    milliseconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # stage → milliseconds

    def summary(self) -> str:
        phases = ", ".join(f"{name} {ms / 1000:.1f}s" for name, ms in self.phases.items())
        return (f"{self.pages} pages: {self.rendered} rendered, {len(self.written)} written, "
                f"{len(self.removed)} removed, {self.markdown_rendered} Markdown bodies rendered "
                f"in {self.milliseconds:.0f} ms" + (f" ({phases})" if phases and self.milliseconds > 1000 else ""))

    def phase(self, name: str, since: float) -> float:
        """Record the wall time of a stage since `since`; returns now."""
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + (now - since) * 1000
        return now


def shown_path(path: Path) -> str:
    """A path as the editor typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def load_site(options: BuildOptions) -> Site:
    return assemble(load_content(options.content, shown_path(options.content)), drafts=options.drafts)


OUTPUT_MODULES = ("assemble", "build", "config", "context", "dates", "i18n", "load", "markup", "model", "parallel", "records",
                  "render", "schema", "snapshot", "urls", "wikilinks", "write")


def code_digest() -> str:
    """Pages rendered by older code are not reused (the modules that shape output only)."""
    h = hashlib.sha1()
    for name in OUTPUT_MODULES:
        h.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return h.hexdigest()


def input_fingerprint(options: BuildOptions, content: dict[str, Stamp]) -> str:
    """Names, sizes and modification times of every input: cheap to take, and equal only
    when nothing was edited, so a no-op rebuild can stop here (~0.1 s for 20k files)."""
    h = hashlib.sha1(repr((code_digest(), options.drafts, str(options.out.resolve()))).encode())
    h.update(repr(sorted(content.items())).encode())
    for directory, dirs, files in os.walk(options.templates):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            st = os.stat(path)
            h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    return h.hexdigest()


def templates_digest(templates: Path) -> str:
    h = hashlib.sha1()
    for path in sorted(templates.rglob("*")):
        rel = path.relative_to(templates).as_posix()
        if path.is_file() and not rel.startswith(("locale/", "static/")):
            h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


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


class Builder:
    """One build: decides what to render, renders it, writes what changed."""

    def __init__(self, options: BuildOptions, progress: Callable[[int, int], None] | None = None,
                 memory: BuildMemory | None = None):
        self.options, self.progress, self.memory = options, progress, memory
        self.report = BuildReport()
        self.pool = None

    def run(self) -> BuildReport:
        start = time.perf_counter()
        options = self.options
        cached = options.write and options.cache_dir is not None
        files = self.content_files() if cached and options.content.is_dir() else {}
        fingerprint = input_fingerprint(options, files) if cached and not self.memory else None
        if fingerprint and self.unchanged_since_last_build(fingerprint):
            self.report.milliseconds = (time.perf_counter() - start) * 1000
            return self.report
        cache = MarkdownCache(options.cache_dir / "markdown.sqlite" if options.cache_dir else None)
        collecting = gc.isenabled()
        gc.disable()  # loading makes a million objects that all stay alive: a quarter of the time went to collecting
        try:
            before = cache.count()
            previous = self.previous_state() if options.write else None
            found = self.from_snapshot(files, cache, previous) if cached else None
            early = None
            if found:
                site, taken, reread, slugs = found
                bodies = {v.body for versions in site.stories.values() for slug in slugs  # swapped in
                          for v in [versions.get(slug)] if v is not None and v.body}
            else:
                early = self.start_markdown(cache)  # on other cores, while YAML is parsed here
                content = load_content(options.content, shown_path(options.content))
                site = assemble(content, drafts=options.drafts)
                taken = snapshot.take(self.snapshot_key(), files, content.stories, shown_path(options.content), site,
                                      cache.identity) if cached else None
                reread, slugs = frozenset(), None
                bodies = {v.body for versions in site.stories.values() for v in versions.values()}
                del content
            gc.freeze()  # the model lives to the end: the collector need not walk it again
            if collecting:
                gc.enable()
            problems: list[Problem] = []
            catalogs = load_catalogs(options.templates, site.config.languages, problems)
            if problems:
                raise ContentError(problems)
            clock = self.report.phase("load", start)
            known = {key: html for part in early.get() for key, html in part.items()} if early else {}
            self.stop_markdown()
            render_missing(sorted(bodies), cache, known)
            self.report.markdown_rendered = cache.count() - before
            del known, bodies
            clock = self.report.phase("markdown", clock)
            renderer = Renderer(site, options.templates, catalogs, cache,
                                options.cache_dir / "jinja" if options.cache_dir else None)
            state = self.render_and_write(site, renderer, catalogs, previous, taken, reread, slugs)
        finally:
            self.stop_markdown()
            cache.close()
            gc.unfreeze()
            if collecting:
                gc.enable()
        if cached and state is not None:
            self.keep(taken, state, files, fingerprint, full=not found)
        self.report.milliseconds = (time.perf_counter() - start) * 1000
        return self.report

    # The last good build's model (snapshot.py) -------------------------------------------
    def snapshot_key(self) -> str:
        o = self.options
        return hashlib.sha1(repr((code_digest(), o.drafts, str(o.content.resolve()), shown_path(o.content))).encode()).hexdigest()

    def snapshot_path(self) -> Path:
        """One file per content directory and drafts setting: a snapshot of older code is
        replaced, not kept beside (the key inside says which code took it)."""
        o = self.options
        name = hashlib.sha1(repr((o.drafts, str(o.content.resolve()), shown_path(o.content))).encode()).hexdigest()[:16]
        return o.cache_dir / f"site-{name}.pickle"

    def from_snapshot(self, files: dict[str, Stamp], cache: MarkdownCache, previous: PagesState | None):
        """(site, its snapshot, story files re-read, slugs whose pages to re-render), or None
        when the content must be loaded and assembled afresh."""
        key = self.snapshot_key()
        memory = self.memory
        taken = memory.snapshot if memory and memory.snapshot and memory.snapshot.key == key else None
        taken = taken or snapshot.load(self.snapshot_path(), key)
        if taken is None:
            return None
        if taken.bodies != cache.identity:
            return None  # the Markdown cache was cleared: bodies must be read again
        if memory:
            memory.snapshot = taken
        also = previous.reread if previous and previous.generation == taken.generation else frozenset()
        found = snapshot.patched(taken, files, also, self.options.content, shown_path(self.options.content))
        if found is None:
            return None
        site, reread, slugs = found
        return site, taken, frozenset(reread), slugs

    def content_files(self) -> dict[str, Stamp]:
        """The content files' stamps: all of them looked at, or in `serve` only those the
        watcher reported changed since the last good build (20,000 stats are 0.15 s)."""
        memory, root = self.memory, self.options.content
        if memory is None or memory.files is None or memory.changed is None:
            return snapshot.content_files(root)
        files, top = dict(memory.files), root.resolve()
        for path in map(Path, memory.changed):
            if top not in path.parents:
                continue  # a template
            rel = path.relative_to(top).as_posix()
            if path.is_dir() or (not path.exists() and any(name.startswith(rel + "/") for name in files)):
                return snapshot.content_files(root)  # a directory came or went: look at everything
            files.pop(rel, None)
            files.update(snapshot.content_files_at(top, [path]))
        return files

    def keep(self, taken: Snapshot, state: PagesState, files: dict[str, Stamp], fingerprint: str | None,
             full: bool) -> None:
        """Record this build for the next one: in memory and, now or at `flush()`, on disk."""
        writes = {"state": lambda: self.save_state(state),
                  "fingerprint": lambda: self.save_fingerprint(fingerprint or input_fingerprint(self.options, files))}
        if full:
            writes = {"snapshot": lambda: snapshot.save(self.snapshot_path(), taken), **writes}
        if self.memory is None:
            for save in writes.values():
                save()
            return
        self.memory.snapshot, self.memory.state = taken, state
        self.memory.files = files
        if self.memory.changed is not None:  # a watcher reports changes: those seen are done
            self.memory.changed = set()
        for stale in (self.state_path(), self.fingerprint_path()):
            stale.unlink(missing_ok=True)
        self.memory.pending.update(writes)  # a snapshot not yet written stays pending

    # Markdown on the other cores during a cold build --------------------------------------
    def start_markdown(self, cache: MarkdownCache) -> AsyncResult | None:
        """Start rendering every story body in worker processes when the cache is mostly cold.

        Python-Markdown is the cold build's largest cost (~2.5 ms a body); the workers read
        the story files themselves, so they run while this process parses YAML.
        """
        self.pool = None
        jobs = self.options.jobs or os.cpu_count() or 1
        stories = self.options.content / "stories"
        paths = sorted(str(p) for p in stories.glob("*.md")) if stories.is_dir() else []
        if jobs < 2 or len(paths) < 200 or cache.count() > len(paths) // 2:
            return None
        self.pool = get_context("fork").Pool(jobs)
        size = max(50, len(paths) // (jobs * 8))
        chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
        cache_path = str(self.options.cache_dir / "markdown.sqlite") if self.options.cache_dir else None
        return self.pool.starmap_async(render_story_files, [(chunk, cache_path) for chunk in chunks], chunksize=1)

    def stop_markdown(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    # The no-op fast path ----------------------------------------------------------------
    def fingerprint_path(self) -> Path:
        return self.state_path().with_suffix(".fingerprint")

    def unchanged_since_last_build(self, fingerprint: str) -> bool:
        """True when no input file changed since the last good build into an existing --out."""
        path = self.fingerprint_path()
        if not self.options.out.is_dir() or not path.is_file():
            return False
        stored, pages = path.read_text("utf-8").split()
        if stored != fingerprint or count_files(self.options.out) != int(pages):
            return False  # an input changed, or an output file was removed by hand
        self.report.pages = int(pages)
        return True

    def save_fingerprint(self, fingerprint: str) -> None:
        self.fingerprint_path().write_text(f"{fingerprint} {self.report.pages}\n", "utf-8")

    # Signatures ------------------------------------------------------------------------
    def state_path(self) -> Path | None:
        if not self.options.cache_dir:
            return None
        key = hashlib.sha1(str(self.options.out.resolve()).encode()).hexdigest()[:16]
        return self.options.cache_dir / f"pages-{key}.pickle"

    def previous_state(self) -> PagesState | None:
        if not self.options.out.is_dir():
            return None
        if self.memory and self.memory.state:
            return self.memory.state
        path = self.state_path()
        state = read_record(path, STATE_VERSION) if path else None
        return state if isinstance(state, PagesState) else None

    def save_state(self, state: PagesState) -> None:
        path = self.state_path()
        if path:
            write_record(path, STATE_VERSION, state)

    # Rendering and writing --------------------------------------------------------------
    def render_and_write(self, site: Site, renderer: Renderer, catalogs: CatalogSet, previous: PagesState | None,
                         taken: Snapshot | None, reread: frozenset[str], slugs: set[str] | None) -> PagesState | None:
        """Render what changed and move it in; the new page records (None for `check`).

        When the site came from the snapshot the previous build's pages were made from,
        patched only in bodies, and nothing every page depends on changed, the pages to
        render are known without looking at the others: those of the re-read stories.
        """
        options = self.options
        clock = time.perf_counter()
        base = hashlib.sha1(repr((code_digest(), templates_digest(options.templates), site.config.digest,
                                  markup.MARKUP_VERSION, sorted(catalogs.digests.items()))).encode()).hexdigest()
        statics = static_files(options.templates)
        out = options.out
        entity_digest = {i: e.digest for i, e in site.entities.items()}

        def signature(route: Route, looked_up: frozenset[str]) -> str:
            lang_digest = catalogs.digests.get(route.lang or site.config.default_language, "")
            looked = [(i, entity_digest.get(i, "-")) for i in sorted(looked_up)]
            return hashlib.sha1(repr((base, lang_digest, route.deps, looked)).encode()).hexdigest()

        old = previous.pages if previous else {}
        pages: dict[str, PageState] = {}
        shortcut = (slugs is not None and previous is not None and previous.base == base and taken is not None
                    and previous.generation == taken.generation
                    and (self.memory is not None or count_files(out) == len(old)))  # serve owns its output
        if shortcut:
            pages = {url: state for url, state in old.items() if not url.startswith("static/")}
            todo = [renderer.story_route(lang, slug) for slug in sorted(slugs) for lang in site.config.languages
                    if slug in site.stories[lang]]
            reread = reread | previous.reread
        elif previous is None or previous.base != base:
            todo = renderer.routes()  # every page depends on what changed: no need to look
        else:
            todo = []
            for route in renderer.routes():
                was = old.get(route.url)
                if was and was.signature == signature(route, was.looked_up) and (out / file_of(route.url)).is_file():
                    pages[route.url] = was
                else:
                    todo.append(route)
        self.report.pages = len(pages) + len(todo) - len({r.url for r in todo} & pages.keys()) + len(statics)
        self.report.rendered = len(todo)
        staging = Staging(out.parent / f".{out.name}.staging-{os.getpid()}", flat=previous is not None)
        if options.write:
            if staging.root.exists():
                shutil.rmtree(staging.root)
            staging.root.mkdir(parents=True)
        try:
            clock = self.report.phase("plan", clock)
            results = render_pages(renderer, todo, signature, out, staging if options.write else None, old,
                                   self.options.jobs or os.cpu_count() or 1, self.progress)
            clock = self.report.phase("render", clock)
            for route, (state, written) in zip(todo, results):
                pages[route.url] = state
                if written:
                    self.report.written.append(file_of(route.url))
            for url, path in statics.items():
                data = path.read_bytes()
                digest_ = hashlib.sha1(data).hexdigest()
                was = old.get(url)
                pages[url] = PageState(digest_, digest_, frozenset())
                if not (was and was.hash == digest_ and (out / url).is_file()):
                    self.report.written.append(url)
                    if options.write:
                        staging.write(url, data)
            if not options.write:
                return None
            stale = sorted(set(old) - set(pages))
            self.report.removed = [file_of(url) for url in stale]
            if not previous:
                swap_in(staging, out, self.report.pages)
            else:
                move_in(staging, out, self.report.written, self.report.removed)
            self.report.phase("write", clock)
            return PagesState(base, taken.generation if taken else "", frozenset(reread), pages)
        finally:
            if staging.root.exists():
                discard(staging.root, out, later=len(self.report.written) >= write.DISCARD_LATER)

def build(options: BuildOptions, progress: Callable[[int, int], None] | None = None,
          memory: BuildMemory | None = None) -> BuildReport:
    """Build the site; raises ContentError with every problem, leaving the output untouched."""
    return Builder(options, progress, memory).run()


def terminal_progress(start: float) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r  pages {done}/{total}  {time.perf_counter() - start:.1f}s ")
        sys.stderr.flush()
    return show
