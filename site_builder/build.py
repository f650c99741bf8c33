"""The pipeline: state → site → catalogs → Markdown → plan → render → write → record.

`build()` below is the whole of it, one named step a line, each stage timed. What the steps
are for:
- state (state.py): what the last good build left; a build whose inputs are unchanged stops
  after looking at them.
- site: the last good model with changed story bodies swapped in (snapshot.py), or the content
  loaded and assembled afresh (load.py, assemble.py) while other cores render Markdown.
- catalogs (i18n.py): one compiled catalog per language.
- Markdown (markup.py): every body not yet in the cache rendered into it, once per text.
- plan (plan.py): the pages of the site, and which of them must be rendered again.
- render (render.py, parallel.py): those pages, across processes when many, each staged beside
  the output as soon as it is rendered, unless its bytes are those already there (write.py).
- write (write.py): static files staged, then everything moved in at once: a failed build
  leaves the previous output as it was.
- record (state.py): what this build knew, for the next one.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import collector, faults, search, translations, trust
from site_builder.assemble import assemble
from site_builder.config import BuildOptions
from site_builder.errors import ContentError, Problem
from site_builder.i18n import CatalogSet, catalog_path, environments, load_catalogs
from site_builder.load import Stamp, load_content, shown_path, source_stamps_at
from site_builder.markup import EarlyBodies, MarkdownCache, remove_store, render_missing
from site_builder.model import Site
from site_builder.parallel import map_jobs, run_apart
from site_builder.plan import Plan, Planner, Route, Signer, StoryOrder, plan_pages
from site_builder.render import RenderedPage, Renderer
from site_builder.reread import FOLDER_TYPES
from site_builder.snapshot import Snapshot
from site_builder.state import BuildState, PageRecord, PageRecords, PatchedSite
from site_builder.trust import UnreadableCache
from site_builder.urls import file_of
from site_builder.write import Staging, publish, stage, static_files

__all__ = ["BuildOptions", "BuildReport", "BuildState", "FirstPages", "build", "shown_path", "terminal_progress"]

PARALLEL_THRESHOLD = 400  # pages; below this, forking render workers costs more than it saves


@dataclass
class BuildReport:
    pages: int = 0
    rendered: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    markdown_rendered: int = 0
    milliseconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # stage → milliseconds
    started: float = field(default_factory=time.perf_counter, repr=False)
    _lap: float = field(default=0.0, repr=False)

    def summary(self) -> str:
        phases = ", ".join(f"{name} {ms / 1000:.1f}s" for name, ms in self.phases.items())
        return (f"{self.pages} pages: {self.rendered} rendered, {len(self.written)} written, "
                f"{len(self.removed)} removed, {self.markdown_rendered} Markdown bodies rendered "
                f"in {self.milliseconds:.0f} ms" + (f" ({phases})" if phases and self.milliseconds > 1000 else ""))

    def lap(self, stage: str) -> None:
        """The wall time of a stage: since the last lap, or the start."""
        now = time.perf_counter()
        self.phases[stage] = self.phases.get(stage, 0.0) + (now - (self._lap or self.started)) * 1000
        self._lap = now

    def done(self) -> BuildReport:
        self.milliseconds = (time.perf_counter() - self.started) * 1000
        return self


@dataclass(frozen=True)
class FirstPages:
    """`serve`: before the rest of a rebuild, write the pages of the stories and entities whose
    files changed, and those `shown` in browsers, then tell `ready` which files are in place,
    so that the browser showing one reloads at once (the rest of the pages follow; each page
    file is whole, from one build)."""

    shown: frozenset[str] = frozenset()  # site paths browsers show: 'en/stories/x/'
    ready: Callable[[list[str]], None] = lambda files: None


SHOWN_PAGE = re.compile(r"(?P<lang>[a-z]+)/(?P<folder>[a-z]+)/(?P<key>[^/]+)/(?:index\.html)?")


@dataclass
class SiteSource:
    """The Site this build renders, where it came from, and the bodies it may lack."""

    site: Site
    snapshot: Snapshot | None  # what the next build can start from (None when nothing is cached)
    texts: list[str]  # bodies to have rendered: all of them, or those swapped in
    full: bool  # loaded and assembled (not patched): a new snapshot to keep


def build(options: BuildOptions, progress: Callable[[int, int], None] | None = None,
          state: BuildState | None = None, first: FirstPages | None = None,
          later: frozenset[str] = frozenset()) -> BuildReport:
    """Build the site; raises ContentError with every problem, leaving the output untouched.
    `serve` passes the same `state` to every build (see state.py), `first`, and `later`: kinds
    of page to leave for its idle moment (LaterPages). A Markdown cache found damaged while
    rendering is noted, removed, and the build run again without it."""
    try:
        return build_once(options, progress, state, first, later)
    except UnreadableCache as bad:
        trust.note_unreadable(bad.path)
        remove_store(bad.path)
    return build_once(options, progress, state, first, later)


def build_once(options: BuildOptions, progress: Callable[[int, int], None] | None,
               state: BuildState | None, first: FirstPages | None = None,
               later: frozenset[str] = frozenset()) -> BuildReport:
    state = state or BuildState(options)
    report = BuildReport()
    files = state.content_files()
    unchanged = state.unchanged_pages(files)
    if unchanged is not None:
        report.pages = unchanged
        return report.done()
    with markdown_cache(options) as bodies, collector.held() as heap, EarlyBodies() as early:
        before = bodies.count()
        previous = state.previous_records()
        patched = state.patched_site(files, bodies, previous)
        source = swapped_bodies(patched) if patched else load_site(options, state, files, bodies, early)
        source.site = source.site.with_base_url(options.base_url)  # the snapshot keeps site.yaml's
        heap.loaded()  # the model lives to the end: the collector need not walk it again
        catalogs = catalogs_or_problems(options, source.site, state)
        report.lap("load")
        render_missing(source.texts, bodies, early.collect())
        report.markdown_rendered = bodies.count() - before
        report.lap("markdown")
        status = translations.for_build(source.site, options.content, options.templates, options.cache_dir,
                                         options.write, state.translation_memo)
        planner = Planner(source.site, StoryOrder.of(source.site), status, state.list_tables)
        renderer = renderer_for(source.site, planner, catalogs, bodies, options)
        done: dict[str, RenderedPage] = {}  # pages rendered already, by site path
        if first is not None and previous is not None and options.write:
            # The edited stories' and entities' pages, then those browsers show, but after a
            # body edit, which changes no other page: its story's pages are then on disk before
            # the feeds, data files and search check are planned (half of a body edit at 10,000).
            # A template or catalog edit leaves the content as it was: the shown pages first.
            shown = () if patched is not None and patched.slugs else first.shown
            done = write_first(renderer, first_routes(source.site, planner, state.edited(files), shown), options.out, first.ready)
            report.lap("first pages")
        plan = plan_pages(source.site, planner, catalogs, options.templates, previous, patched, options.out,
                          output_intact=state.output_intact())
        left = leave_for_later(plan, later, previous)
        statics = static_files(options.templates)
        report.pages, report.rendered = plan.pages + len(statics), len(plan.todo)
        staging = Staging.beside(options.out, flat=previous is not None, create=options.write)
        report.lap("plan")
        try:
            if len(plan.todo) >= PARALLEL_THRESHOLD:
                renderer.before_fork(plan.todo)
            with heap.rendering():  # the renderer too is shared with the workers: frozen before they fork
                pages = render_pages(renderer, plan, planner.cost, options, previous, staging, report, progress, done)
            renderer.forget()  # the search stage needs the room (serve's later pages need no memo)
            if not state.in_memory:  # serve's next build would only take it back, page by page
                collector.give_back()
            report.lap("render")
            pages.update(stage_static_files(statics, options, previous, staging, report))
            if not options.write:
                return report.done()
            # Every page is staged here: a step that reads the finished site goes before the swap.
            pages.update(search.index_pages(source.site, state, staging, pages, previous, report))
            report.lap("search")
            report.removed = [file_of(url) for url in sorted(set(previous.pages if previous else ()) - set(pages))]
            publish(staging, options.out, previous is None, report.written, report.removed, report.pages)
            report.lap("write")
        except UnreadableCache:
            raise  # `build` heals it
        except OSError as bad:  # a full disk, a read-only directory, a file gone: one line, output as it was
            raise faults.writing(bad, options.out) from None
        finally:
            staging.clear(options.out, len(report.written))
    records = PageRecords(plan.signer.base, source.snapshot.generation if source.snapshot else "", plan.reread, pages)
    state.record(source.snapshot, records, files, report.pages, full=source.full)
    state.later_pages = LaterPages(renderer, plan.signer, left) if left and state.in_memory else None
    report.lap("record")
    return report.done()


def leave_for_later(plan: Plan, kinds: frozenset[str], previous: PageRecords | None) -> list[Route]:
    """Take the routes of these kinds that have a page already out of the plan (their old
    records kept, so the next build plans them again) and return them."""
    old = previous.pages if previous else {}
    left = [route for route in plan.todo if route.kind in kinds and route.url in old]
    if left:
        plan.todo = [route for route in plan.todo if not (route.kind in kinds and route.url in old)]
        plan.kept.update((route.url, old[route.url]) for route in left)
    return left


@dataclass
class LaterPages:
    """`serve`: the pages a rebuild left for the idle moment after it, the site-wide /data/
    files and the page describing them (3 s of a title edit's 8 at 10,000 stories; no browser
    shows a CSV). Rendered by that build's renderer (they need no Markdown body: the cache is
    closed by then) in a forked process, which a save kills at once (the SQLite file alone
    takes a second to make), then each put in place whole and its record updated; the next
    build, planning them again, leaves its own."""

    renderer: Renderer
    signer: Signer
    routes: list[Route]

    def write(self, out: Path, records: PageRecords, cancel: threading.Event | None = None) -> bool:
        """True once all are written; False when `cancel` was set first (nothing written)."""
        def render(route: Route) -> tuple[bytes, frozenset[str]]:
            page = self.renderer.render(route)
            return page.data, page.looked_up

        rendered = run_apart(render, self.routes, cancel) if self.routes else []
        if rendered is None:
            return False
        for route, (data, looked_up) in zip(self.routes, rendered):
            put_in_place(out / file_of(route.url), data)
            records.pages[route.url] = PageRecord(self.signer.signature(route, looked_up),
                                                  hashlib.sha1(data).hexdigest(), looked_up)
        self.routes = []
        return True


def first_routes(site: Site, planner: Planner, edited: tuple[set[str], set[str]], shown: Iterable[str]) -> list[Route]:
    """The routes of the edited stories' and entities' pages (every language; an entity's
    first page), then of the story and entity pages browsers show (in their language)."""
    languages = site.config.languages
    wanted = [(lang, "story", slug) for slug in sorted(edited[0]) for lang in languages]
    wanted += [(lang, "entity", i) for i in sorted(edited[1]) for lang in languages]
    for path in sorted(shown):
        found = SHOWN_PAGE.fullmatch(path.lstrip("/"))
        if found and found["lang"] in languages and (found["folder"] == "stories" or found["folder"] in FOLDER_TYPES):
            wanted.append((found["lang"], "story" if found["folder"] == "stories" else "entity", found["key"]))
    routes = {}
    for lang, kind, key in wanted:
        if kind == "story" and key in site.stories[lang]:
            route = planner.story_route(lang, key)
        elif kind == "entity" and key in site.entities:
            entity = site.entities[key]
            route = planner.entity_routes(lang, entity, planner.entity_deps(lang, entity))[0]
        else:
            continue
        routes.setdefault(route.url, route)
    return list(routes.values())


def write_first(renderer: Renderer, routes: list[Route], out: Path,
                ready: Callable[[list[str]], None]) -> dict[str, RenderedPage]:
    """Render `routes` and put each page whose bytes changed in place (atomically, one by one);
    the pages, by site path (the rest of the build stages and records them, not rendering twice)."""
    pages = {route.url: renderer.render(route) for route in routes}
    written = [file_of(url) for url, page in pages.items() if put_in_place(out / file_of(url), page.data)]
    if written:
        ready(written)
    return pages


def put_in_place(target: Path, data: bytes) -> bool:
    """Replace `target` by `data` atomically (a reader sees the old file or the new, whole)
    unless it holds these bytes already; whether it was written."""
    try:
        if target.read_bytes() == data:
            return False
    except OSError:
        target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.new")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return True


def markdown_cache(options: BuildOptions) -> MarkdownCache:
    """The rendered bodies: on disk under the cache directory (read only for `check`)."""
    path = options.cache_dir / "markdown.sqlite" if options.cache_dir else None
    return MarkdownCache(path, read_only=not options.write)


def swapped_bodies(patched: PatchedSite) -> SiteSource:
    """The site of the last good build with the re-read story files' bodies swapped in."""
    site = patched.site
    texts = {v.body for versions in site.stories.values() for slug in patched.slugs
             for v in [versions.get(slug)] if v is not None and v.body}
    return SiteSource(site, patched.snapshot, sorted(texts), full=False)


def load_site(options: BuildOptions, state: BuildState, files: dict[str, Stamp], bodies: MarkdownCache,
              early: EarlyBodies) -> SiteSource:
    """Load and assemble the content while other cores render the story bodies (`serve`:
    only the files changed since the last good build are read again)."""
    content = state.reloaded_content(files)
    if content is None:
        early.start(options.content / "stories", bodies, options.jobs or os.cpu_count() or 1)
        content = load_content(options.content, shown_path(options.content))
    site = assemble(content, drafts=options.drafts, memo=state.assembly)
    taken = state.take_snapshot(files, content, site, bodies)
    texts = sorted({v.body for versions in site.stories.values() for v in versions.values()})
    return SiteSource(site, taken, texts, full=True)


def catalogs_or_problems(options: BuildOptions, site: Site, state: BuildState) -> CatalogSet:
    """The catalogs, compiled; `serve` keeps them while their files' stamps stay (reading
    them was a twentieth of a body edit)."""
    stamps = source_stamps_at(options.templates, [catalog_path(options.templates, lang) for lang in site.config.languages])
    if state.catalogs is not None and state.catalogs[0] == stamps:
        return state.catalogs[1]
    problems: list[Problem] = []
    catalogs = load_catalogs(options.templates, site.config.languages, problems)
    if problems:
        raise ContentError(problems)
    if state.in_memory:
        state.catalogs = (stamps, catalogs)
    return catalogs


def renderer_for(site: Site, planner: Planner, catalogs: CatalogSet, bodies: MarkdownCache,
                 options: BuildOptions) -> Renderer:
    """The renderer with one Environment per language (compiled templates cached on disk, not for `check`)."""
    bytecode = options.cache_dir / "jinja" if options.cache_dir and options.write else None
    envs = environments(options.templates, catalogs, site.config.languages, site.config.default_language, bytecode)
    return Renderer(site, options.templates, envs, bodies, planner.order, planner.translations, planner.lists)


def render_pages(renderer: Renderer, plan: Plan, cost: Callable[[Route], float], options: BuildOptions,
                 previous: PageRecords | None, staging: Staging, report: BuildReport,
                 progress: Callable[[int, int], None] | None,
                 done: dict[str, RenderedPage] | None = None) -> dict[str, PageRecord]:
    """Render the plan's pages (but those `done` already), staging each whose bytes changed;
    every page's new record."""
    old = previous.pages if previous else {}
    target = staging if options.write else None
    done = done or {}

    def render_one(route: Route) -> tuple[PageRecord, bool]:
        page = done.get(route.url) or renderer.render(route)
        was = old.get(route.url)
        file = file_of(route.url)
        staged = stage(target, options.out, file, page.data, was.hash if was else None)
        indexed = search.view_digest(page.data) if search.is_indexed(file) else ""
        return PageRecord(plan.signer.signature(route, page.looked_up), staged.hash, page.looked_up, indexed), staged.written

    results = map_jobs(render_one, plan.todo, cost, options.jobs or os.cpu_count() or 1, PARALLEL_THRESHOLD,
                       progress)
    pages = dict(plan.kept)
    for route, (record, written) in zip(plan.todo, results):
        pages[route.url] = record
        if written:
            report.written.append(file_of(route.url))
    return pages


def stage_static_files(statics: dict[str, Path], options: BuildOptions, previous: PageRecords | None,
                       staging: Staging, report: BuildReport) -> dict[str, PageRecord]:
    """templates/static copied as they are (a record each, as for pages)."""
    old = previous.pages if previous else {}
    records = {}
    for url, path in statics.items():
        was = old.get(url)
        staged = stage(staging if options.write else None, options.out, url, path.read_bytes(), was.hash if was else None)
        records[url] = PageRecord(staged.hash, staged.hash, frozenset())
        if staged.written:
            report.written.append(url)
    return records


def terminal_progress(start: float) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r  pages {done}/{total}  {time.perf_counter() - start:.1f}s ")
        sys.stderr.flush()
    return show
