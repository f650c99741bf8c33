"""Planning: which pages the site has, what each depends on, and which to render now.

Input: the Site, the catalogs, the last good build's page records. Output: a `Plan` — the
routes to render (each a page of DESIGN.md's table in one language, with the digests it is
declared to depend on and an estimate of its cost) and the records of the pages kept as
they are.

A page's signature is the digests it is declared to depend on (a story's text, the heads of
the stories a list shows…), the digests of the entities its templates looked up when it was
last rendered, and the `base`: templates, catalogs, configuration, Markdown version and code.
A page whose signature is unchanged and whose file is there is not rendered again. When only
story bodies changed (a `PatchedSite`), the pages to render are known without looking at the
others: those of the re-read stories.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from site_builder import datafiles, markup, paging, urls
from site_builder.config import KEY_DATES
from site_builder.i18n import CatalogSet
from site_builder.model import Entity, Site, StoryVersion
from site_builder.paging import ENTITY_ORDER, Lists, page_url
from site_builder.state import PageRecord, PageRecords, PatchedSite, code_digest
from site_builder.translations import Status
from site_builder.urls import file_of

__all__ = ["ENTITY_ORDER", "Plan", "Planner", "Route", "StoryOrder", "plan_pages"]
ENTITY_FACTS = 2  # entity_deps starts with the entity's own digest and its structure's, then the heads
# For sharing pages out between processes (`Planner.cost`), in story pages (~0.6 ms), measured
# at 10,000 stories (2026-12-04): a list page's time per story it lists (a page of a split
# list: per entry of its page), a site-wide data file's per story of the site.
COST_PER_STORY = {"timeline": 0.085, "archive": 0.045, "feed": 0.006, "sitemap": 0.027, "tag": 0.003,
                  "entity_index": 0.003, "home": 0.0006, "tags": 0.0015, "translations": 0.008}
DATA_COST_PER_STORY = {"briefing.sqlite": 0.17, "graph.jsonld": 0.075, "mentions.csv": 0.035,
                       "relations.csv": 0.024, "stories.csv": 0.017, "event_entities.csv": 0.011,
                       "events.csv": 0.0066, "entities.csv": 0.0022, "roles.csv": 0.0009}


@dataclass(frozen=True)
class Route:
    url: str
    kind: str  # which page builder renders it (render.Renderer.page_<kind>)
    lang: str | None
    key: str = ""  # slug, entity id or tag, for builders that need one
    deps: tuple[str, ...] = ()
    page: int = 1  # of a split list (paging.py)


def digest(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoryOrder:
    """The archive's order of the stories per language, for older/newer links."""

    site: Site
    order: dict[str, list[str]]
    position: dict[str, dict[str, int]]

    @classmethod
    def of(cls, site: Site) -> StoryOrder:
        order = {lang: list(versions) for lang, versions in site.stories.items()}
        return cls(site, order, {lang: {slug: i for i, slug in enumerate(slugs)} for lang, slugs in order.items()})

    def neighbours(self, lang: str, slug: str) -> tuple[StoryVersion | None, StoryVersion | None]:
        """(older, newer) story in the archive's order."""
        order, i = self.order[lang], self.position[lang][slug]
        versions = self.site.stories[lang]
        older = versions[order[i + 1]] if i + 1 < len(order) else None
        newer = versions[order[i - 1]] if i > 0 else None
        return older, newer


class Planner:
    """Every route of one Site, with its declared dependencies and cost."""

    def __init__(self, site: Site, order: StoryOrder, translations: Status | None = None, kept: dict | None = None):
        """`kept`: what a Planner and its Lists carry over from the last build (BuildState.list_tables)."""
        self.site, self.order = site, order
        self.translations = translations or Status((), ())
        self.config = site.config
        self.default = site.config.default_language
        self.heads = {  # joined, not repr'd as `digest` does: 20,000 of them in every build
            lang: hashlib.sha1("\n".join([v.head_digest for v in versions.values()]).encode()).hexdigest()
            for lang, versions in site.stories.items()
        }
        self.lists = Lists(site, kept, self.heads, self.translations)
        self.entity_memo: dict[tuple[str, str], tuple[str, ...]] = {}  # see entity_deps
        if kept is not None:  # serve: the last build's, while the heads and the entities stay
            was = kept.get("entity_deps")
            if was is not None and was[0] == self.heads and was[1] is site.entities:
                self.entity_memo = was[2]
            else:
                kept["entity_deps"] = (self.heads, site.entities, self.entity_memo)

    def routes(self) -> list[Route]:
        site, routes = self.site, []
        all_langs_heads = digest(*self.heads.values())
        whole = self.data_deps()
        routes.append(Route("", "chooser", None))
        routes.append(Route(urls.not_found(None), "not_found", None))
        for lang in site.config.languages:
            versions = site.stories[lang]
            heads = self.heads[lang]
            routes += [
                Route(urls.home(lang), "home", lang, deps=(heads, self.lists.event_pages(lang, site.events[lang][-8:]))),
                *self.list_routes(lang, "archive", urls.stories(lang), heads),
                *self.list_routes(lang, "timeline", urls.timeline(lang), heads),
                Route(urls.tags(lang), "tags", lang, deps=(heads,)),
                Route(urls.search(lang), "search", lang),
                *self.translation_routes(lang),
                Route(urls.not_found(lang), "not_found", lang),
            ]
            for tag in sorted({t for v in versions.values() for t in v.tags}):
                routes += self.tag_routes(lang, tag)
            routes += [self.story_route(lang, slug) for slug in versions]
            for type_ in ENTITY_ORDER:
                routes += self.index_routes(lang, type_)
            for entity in site.entities.values():
                deps = self.entity_deps(lang, entity)
                routes += self.entity_routes(lang, entity, deps)
                routes.append(self.entity_feed_route(lang, entity, deps))
            routes.append(Route(urls.data_page(lang), "data_page", lang, deps=whole))
        routes[2:2] = self.sitemap_routes(all_langs_heads, len(routes))
        return routes + self.data_routes(whole)

    def data_deps(self) -> tuple[str, ...]:
        """What the site-wide data files show: every story's head, every entity, and the
        translation states (a body edit of an original can make its translation stale: the
        editors' page's key, which says more than the states, is made from them)."""
        site = self.site
        return (digest(*self.heads.values()), digest(*(e.digest for e in site.entities.values())),
                self.translations.stories_key)

    def status_data_routes(self) -> list[Route]:
        """The data files that show translation states, to look at after a body edit."""
        whole = self.data_deps()
        return [Route(path, "data", None, path, deps=whole) for path in datafiles.file_names()
                if path.endswith(("/stories.csv", ".sqlite"))]

    def data_routes(self, whole: tuple[str, ...]) -> list[Route]:
        """/data/: the site-wide files depend on every story's head and entity, an entity's
        JSON on what its page in the default language does."""
        routes = [Route(path, "data", None, path, deps=whole) for path in datafiles.file_names()]
        for entity in self.site.entities.values():
            path = datafiles.entity_file(entity.id)
            routes.append(Route(path, "data", None, path, deps=self.entity_deps(self.default, entity)))
        return routes

    def cost(self, route: Route) -> float:
        """Roughly how long a page takes, in story pages (see COST_PER_STORY): shares of
        equal cost keep both processes busy to the end (a share's real time was 9 % off the
        other's with the costs before these)."""
        if route.kind == "entity":
            if route.page > 1:
                return 3.4  # a chunk of stories and events, and the dossier
            listed = len(self.site.mentions[route.lang].get(route.key, ())) + len(self.site.entity_events[route.lang].get(route.key, ()))
            return 1.9 + 0.0017 * listed
        if route.kind == "entity_feed":
            return 0.07 + 0.0044 * len(self.site.mentions[route.lang].get(route.key, ()))
        if route.kind == "data":
            if "/entities/" in route.url:
                return 0.36
            return 1.0 + DATA_COST_PER_STORY.get(route.url.rsplit("/", 1)[-1], 0.0) * len(self.site.stories[self.default])
        if route.kind in COST_PER_STORY:
            listed = len(self.site.stories[route.lang or self.default])
            if route.kind in ("archive", "timeline", "tag", "translations", "entity_index") and self.lists.count(route.kind, route.lang, route.key) > 1:
                listed = self.lists.size
            return 1.0 + COST_PER_STORY[route.kind] * listed
        return 1.0

    def sitemap_routes(self, heads: str, pages: int) -> list[Route]:
        """The sitemap: one file, or (past paging.SITEMAP_SIZE URLs) an index and its files,
        each depending on every story's head and the entities, as the one file does. It lists
        some of the site's `pages`: within the limit, no need to count (25 ms at 10,000 stories)."""
        deps = (heads, digest(*self.site.entities))
        count = 1 if pages <= paging.SITEMAP_SIZE else len(self.lists.sitemap_files())
        if count == 1:
            return [Route(urls.sitemap(), "sitemap", None, deps=deps)]
        return [Route(urls.sitemap(), "sitemap_index", None, deps=(str(count),)),
                *(Route(urls.sitemap(n, count), "sitemap", None, deps=(*deps, str(count)), page=n)
                  for n in range(1, count + 1))]

    def list_routes(self, lang: str, kind: str, first: str, heads: str) -> list[Route]:
        """The archive or the timeline: one route as ever, or one per page of the split list,
        each depending on the heads of the stories it shows and on where the years start."""
        chunks = self.lists.archive(lang) if kind == "archive" else self.lists.timeline(lang)
        if len(chunks) == 1:
            return [Route(first, kind, lang, deps=(heads,))]
        shared = digest(len(chunks), self.lists.year_pages(kind, lang),
                        sorted({t for v in self.site.stories[lang].values() for t in v.tags}) if kind == "timeline" else ())
        def shown(chunk: list) -> str:
            return digest(*((i.story if kind == "timeline" else i).head_digest for i in chunk))
        return [Route(page_url(first, n), kind, lang, deps=(shared, shown(chunk)), page=n) for n, chunk in enumerate(chunks, 1)]

    def index_routes(self, lang: str, type_: str) -> list[Route]:
        """The index of a type, or its pages: each depends on every entity's name in the
        language (what the order is made from: a renamed entity may move to another page) and
        how many stories name it, and on how many pages there are; what else a page shows of
        an entity is looked up. Not on the order itself: it is sorted only when rendered."""
        counts = self.site.mentions[lang]
        named = [(e.id, e.name.pick(lang, self.default)[0], len(counts.get(e.id, ()))) for e in self.site.entities_of(type_)]
        count = self.lists.count("entity_index", lang, type_)
        deps = (digest(named),) if count == 1 else (digest(named), str(count))
        return [Route(page_url(urls.entity_index(lang, type_), n), "entity_index", lang, type_, deps=deps, page=n)
                for n in range(1, count + 1)]

    def tag_routes(self, lang: str, tag: str) -> list[Route]:
        """A topic's page, or pages: each depends on the heads of the stories it shows, how
        many there are, and how many pages the topic has in every language (the switch)."""
        total, pages = self.lists.tag(lang, tag)
        counts = str([self.lists.count("tag", other, tag) for other in self.config.languages])
        return [Route(page_url(urls.tag(lang, tag), n), "tag", lang, tag,
                      deps=(digest(*(v.head_digest for v in chunk)), str(total), counts), page=n)
                for n, chunk in enumerate(pages, 1)]

    def entity_routes(self, lang: str, entity: Entity, deps: tuple[str, ...]) -> list[Route]:
        """An entity's page, or its pages when its stories or events are split; a split
        timeline adds the page its 'See on the timeline' link goes to. `deps`: entity_deps.
        A split entity's pages do not depend on every story's head (a title edit would render
        all thirty pages of a popular person again) but each on what it shows: its chunk of
        stories and events, and what the dossier on every page shows (dossier_key)."""
        placed = ()  # where the entity and its events are on a split timeline
        if self.lists.count("timeline", lang) > 1:
            placed = (str(self.lists.timeline_page_of(lang, entity.id)),
                      self.lists.event_pages(lang, self.site.entity_events[lang].get(entity.id, ())))
        count = self.lists.count("entity", lang, entity.id)
        first = urls.entity(lang, entity)
        if count == 1:
            return [Route(first, "entity", lang, entity.id, deps=(*deps, *placed))]
        versions = self.site.stories[lang]
        shared = (*deps[:ENTITY_FACTS], *placed, self.dossier_key(lang, entity), str(count))
        return [Route(page_url(first, n), "entity", lang, entity.id, page=n,
                      deps=(*shared, digest(*(v.head_digest for v in stories)),
                            digest(*(versions[e.story].head_digest for e in events))))
                for n, (stories, events) in enumerate(zip(*self.lists.entity(lang, entity.id)), 1)]

    def dossier_key(self, lang: str, entity: Entity) -> str:
        """What the dossier every page of an entity shows takes from its stories: how many,
        the first and last date, the entities they name (its 'named with it'), and the key
        dates (date and title)."""
        versions = self.site.stories[lang]
        events = self.site.entity_events[lang].get(entity.id, ())
        first, last = KEY_DATES
        key_events = events if len(events) <= first + last else [*events[:first], *events[-last:]]
        return digest([(slug, versions[slug].date, versions[slug].mentions) for slug in self.site.mentions[lang].get(entity.id, ())],
                      len(events), [(e.anchor, e.date, e.end, e.title) for e in key_events])

    def story_route(self, lang: str, slug: str) -> Route:
        version = self.site.stories[lang][slug]
        return Route(urls.story(lang, slug), "story", lang, slug, deps=self.story_deps(lang, version))

    def story_deps(self, lang: str, version: StoryVersion) -> tuple[str, ...]:
        others = tuple(self.site.stories[other][version.slug].head_digest for other in self.config.languages)
        translated = (self.site.stories[self.default][version.slug].translatable,  # a stale notice comes and goes
                      self.translations.stale_key(lang, (version.slug,))) if lang != self.default else ()
        return (version.digest, *others, *translated, *(v.head_digest for v in self.order.neighbours(lang, version.slug) if v),
                self.lists.event_pages(lang, version.events))

    def translation_routes(self, lang: str, slugs: frozenset[str] | None = None) -> list[Route]:
        """The pages besides story pages that show translation states (feeds carry the stale
        notice): the language's feed, the editors' page and, given the stories whose bodies
        alone changed, the feeds of the entities they name (for the body-edit shortcut)."""
        stale = self.translations.stale_key
        routes = [Route(urls.feed(lang), "feed", lang, deps=(self.heads[lang], stale(lang, self.site.stories[lang]))),
                  *self.status_routes(lang)]
        versions = self.site.stories[lang]
        for entity_id in sorted({i for slug in slugs or () if slug in versions for i in versions[slug].mentions}):
            entity = self.site.entities[entity_id]
            routes.append(self.entity_feed_route(lang, entity, self.entity_deps(lang, entity)))
        return routes

    def status_routes(self, lang: str) -> list[Route]:
        """The editors' page, or its pages: each depends on every row (one key: a change of
        state moves rows between pages) and on how many pages there are."""
        count = self.lists.count("translations", lang)
        return [Route(page_url(urls.translations(lang), n), "translations", lang, page=n,
                      deps=(self.translations.stories_key, str(count)))
                for n in range(1, count + 1)]

    def entity_feed_route(self, lang: str, entity: Entity, deps: tuple[str, ...]) -> Route:
        listed = self.site.mentions[lang].get(entity.id, ())
        return Route(urls.entity_feed(lang, entity), "entity_feed", lang, entity.id,
                     deps=(*deps, self.translations.stale_key(lang, listed)))

    def entity_deps(self, lang: str, entity: Entity) -> tuple[str, ...]:
        """The entity's own digest, its structure's (ENTITY_FACTS), and one digest of the
        heads of the stories naming it: one string, not thousands, for each signature of its
        pages, feed and data file to hash (a popular person is named by 3,000 stories); made
        once per language and entity."""
        found = self.entity_memo.get((lang, entity.id))
        if found is None:
            site = self.site
            slugs = set(site.mentions[lang].get(entity.id, ())) | {e.story for e in site.entity_events[lang].get(entity.id, ())}
            versions = site.stories[lang]
            structure = (site.children.get(entity.id), site.seated.get(entity.id),
                         [p for p, _ in site.members.get(entity.id, ())])
            found = self.entity_memo[lang, entity.id] = (
                entity.digest, digest(structure), digest(*sorted(versions[s].head_digest for s in slugs)))
        return found


def templates_digest(templates: Path) -> str:
    h = hashlib.sha1()
    for path in sorted(templates.rglob("*")):
        rel = path.relative_to(templates).as_posix()
        if path.is_file() and not rel.startswith(("locale/", "static/")):
            h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Signer:
    """A page's signature (see the module's docstring): made in the render workers too."""

    base: str
    default: str
    catalogs: dict[str, str]  # language → catalog digest
    entities: dict[str, str]  # entity id → digest

    def signature(self, route: Route, looked_up: frozenset[str]) -> str:
        lang_digest = self.catalogs.get(route.lang or self.default, "")
        looked = [(i, self.entities.get(i, "-")) for i in sorted(looked_up)]
        return hashlib.sha1(repr((self.base, lang_digest, route.deps, looked)).encode()).hexdigest()


@dataclass
class Plan:
    signer: Signer
    todo: list[Route]  # to render
    kept: dict[str, PageRecord]  # pages left as they are, by site path
    reread: frozenset[str]  # story files swapped into the snapshot since it was taken
    pages: int  # pages of the site (static files aside)


def plan_pages(site: Site, planner: Planner, catalogs: CatalogSet, templates: Path, previous: PageRecords | None,
               patched: PatchedSite | None, out: Path, output_intact: bool) -> Plan:
    """What to render. `output_intact`: `out` is as the last good build left it (state.py's
    `output_intact`), so the records of its pages can be trusted without looking at each."""
    base = digest(code_digest(), templates_digest(templates), site.config.digest, markup.MARKUP_VERSION,
                  sorted(catalogs.digests.items()))
    signer = Signer(base, site.config.default_language, dict(catalogs.digests),
                    {i: e.digest for i, e in site.entities.items()})
    old = previous.pages if previous else {}
    kept: dict[str, PageRecord] = {}
    reread = patched.reread if patched else frozenset()
    if (patched is not None and previous is not None and previous.base == base
            and previous.generation == patched.snapshot.generation
            and output_intact):
        kept = {url: record for url, record in old.items() if not url.startswith(("static/", "pagefind/"))}
        todo = [planner.story_route(lang, slug) for slug in sorted(patched.slugs) for lang in site.config.languages
                if slug in site.stories[lang]]
        states = [route for lang in site.config.languages for route in planner.translation_routes(lang, patched.slugs)]
        todo += [route for route in states + planner.status_data_routes()
                 if not (old.get(route.url) and old[route.url].signature == signer.signature(route, old[route.url].looked_up))]
        reread = reread | previous.reread
    elif previous is None or previous.base != base:
        todo = planner.routes()  # every page depends on what changed: no need to look
    else:
        todo = []
        for route in planner.routes():
            was = old.get(route.url)
            if (was and was.signature == signer.signature(route, was.looked_up)
                    and (output_intact or (out / file_of(route.url)).is_file())):
                kept[route.url] = was
            else:
                todo.append(route)
    pages = len(kept) + len(todo) - len({r.url for r in todo} & kept.keys())
    return Plan(signer, todo, kept, frozenset(reread), pages)
