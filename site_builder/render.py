"""Stage 3, render: the Site → pages, each a site path and its bytes.

`routes()` lists every page of DESIGN.md's table for every language, each with the digests
it is declared to depend on; `Renderer.render(route)` turns one into bytes and also returns
the entity ids its templates looked up, so build.py can tell later which pages an entity
edit touches. This is the only module that touches templates.
"""

from __future__ import annotations

import hashlib
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType

import jinja2
import jinja2.runtime
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from site_builder import urls
from site_builder.config import LANGUAGES
from site_builder.errors import ContentError, Problem
from site_builder.i18n import CatalogSet
from site_builder.context import PageContext, StoryCard
from site_builder.markup import MarkdownCache, link_entities
from site_builder.model import Entity, PartialDate, Site, StoryVersion, Text

ENTITY_ORDER = ("person", "org", "place")
# For sharing pages out between processes (Renderer.cost): a list page's time per story
# it lists, in story pages, measured at 10k stories.
COST_PER_STORY = {"timeline": 0.33, "archive": 0.1, "feed": 0.045, "sitemap": 0.04, "tag": 0.01,
                  "entity_index": 0.01, "home": 0.002, "tags": 0.002}


@dataclass(frozen=True)
class Route:
    url: str
    kind: str  # which page builder renders it
    lang: str | None
    key: str = ""  # slug, entity id or tag, for builders that need one
    deps: tuple[str, ...] = ()


def digest(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


class PageTemplateContext(jinja2.runtime.Context):
    """Jinja's context with a quicker `call`: every helper or macro call in a template goes
    through it (~250 a story page), and Jinja's asks four `hasattr` questions each time to
    learn whether to pass the context. The answer depends only on the function, so it is
    remembered per function, in the Environment (one per language and build); built-ins and
    macros never take one; anything else takes Jinja's own way."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        kind = type(__obj)
        if kind is BuiltinFunctionType or kind is jinja2.runtime.Macro:
            plain = True  # `list.append` and the like are new objects each time: not remembered
        elif kind is FunctionType or kind is MethodType:
            function = __obj.__func__ if kind is MethodType else __obj
            known = __self.environment.plain_calls
            plain = known.get(function)
            if plain is None:
                plain = known[function] = not hasattr(function, "jinja_pass_arg")
        else:
            plain = False
        if not plain:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")




class FragmentCache(Extension):
    """`{% cache key, ... %}…{% endcache %}`: the body is rendered once per build and key.

    For the parts of the base template every page repeats (navigation, footer: a quarter of
    a story page's time): the key must name everything the body depends on besides the
    language (one Environment per language), and the body must not look up entities
    (the lookups of later pages would not be recorded). Jinja's documented extension example.
    """

    tags = {"cache"}

    def __init__(self, environment: jinja2.Environment):
        super().__init__(environment)
        environment.extend(fragment_cache={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [nodes.List(key)]), [], [], body).set_lineno(lineno)

    def _cached(self, key: list, caller: Callable[[], str]) -> str:
        store, key = self.environment.fragment_cache, tuple(key)
        found = store.get(key)
        if found is None:
            found = store[key] = caller()
        return found


def make_environment(templates: Path, lang: str | None, catalogs: CatalogSet,
                     bytecode_dir: Path | None = None) -> jinja2.Environment:
    """One Environment per language. Compiled templates are cached on disk when a cache
    directory is given (Jinja keys them by the source's checksum): compiling is most of a
    one-page rebuild."""
    cache = None
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    env = jinja2.Environment(
        bytecode_cache=cache,
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", FragmentCache],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one Environment per build: no template changes under it
    )
    env.context_class = PageTemplateContext
    env.extend(plain_calls={})
    translations = catalogs.translations[lang or "en"]
    env.install_gettext_translations(translations, newstyle=True)
    env.globals.update(fast_gettext(translations))
    return env


def fast_gettext(translations) -> dict[str, Callable]:
    """Jinja's newstyle gettext, without its three nested context calls per string.

    Same results (autoescaped, always %-formatted), but plain functions and a memo for
    strings without variables: a page calls `_()` dozens of times, on every page.
    """
    memo: dict[str, Markup] = {}

    def gettext(string: str, /, **variables) -> Markup:
        if not variables:
            found = memo.get(string)
            if found is None:
                found = memo[string] = Markup(translations.gettext(string)) % {}
            return found
        return Markup(translations.gettext(string)) % variables

    def ngettext(singular: str, plural: str, num: int, /, **variables) -> Markup:
        variables.setdefault("num", num)
        return Markup(translations.ngettext(singular, plural, num)) % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def sort_key_for(lang: str) -> Callable[[str], tuple]:
    """Index order: pinyin for Chinese (pypinyin), case-folded alphabet otherwise."""
    if lang == "zh":
        from pypinyin import Style, lazy_pinyin

        return lambda text: (lazy_pinyin(text, style=Style.TONE3), text)
    return lambda text: (text.casefold(), text)


class Renderer:
    """Renders routes of one Site with one set of templates and catalogs."""

    def __init__(self, site: Site, templates: Path, catalogs: CatalogSet, bodies: MarkdownCache,
                 bytecode_dir: Path | None = None):
        self.site, self.templates, self.bodies = site, templates, bodies
        self.config = site.config
        self.default = site.config.default_language
        self.envs = {lang: make_environment(templates, lang, catalogs, bytecode_dir) for lang in site.config.languages}
        self.envs[None] = self.envs[self.default]
        self.heads = {
            lang: digest(*(v.head_digest for v in versions.values())) for lang, versions in site.stories.items()
        }
        self.order = {lang: list(versions) for lang, versions in site.stories.items()}
        self.position = {lang: {slug: i for i, slug in enumerate(order)} for lang, order in self.order.items()}
        self.dates: dict[tuple, str] = {}  # (date, end, lang) → text, see PageContext.date
        self.numbers: dict[tuple, str] = {}  # (number, lang) → text
        self.links: dict[tuple, Markup] = {}  # see PageContext.entity_link
        self.cards: dict[tuple, StoryCard] = {}  # see PageContext.card
        self.items: dict[tuple, Markup] = {}  # see PageContext.story_item
        self.mention_counts = {
            lang: {i: len(slugs) for i, slugs in per.items()} for lang, per in site.mentions.items()
        }

    # Routes ----------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        site, routes = self.site, []
        all_langs_heads = digest(*self.heads.values())
        routes.append(Route("", "chooser", None))
        routes.append(Route(urls.not_found(None), "not_found", None))
        routes.append(Route("sitemap.xml", "sitemap", None, deps=(all_langs_heads, digest(*site.entities))))
        for lang in site.config.languages:
            versions = site.stories[lang]
            heads = self.heads[lang]
            routes += [
                Route(urls.home(lang), "home", lang, deps=(heads,)),
                Route(urls.stories(lang), "archive", lang, deps=(heads,)),
                Route(urls.timeline(lang), "timeline", lang, deps=(heads,)),
                Route(urls.tags(lang), "tags", lang, deps=(heads,)),
                Route(urls.feed(lang), "feed", lang, deps=(heads,)),
                Route(urls.not_found(lang), "not_found", lang),
            ]
            for tag in sorted({t for v in versions.values() for t in v.tags}):
                routes.append(Route(urls.tag(lang, tag), "tag", lang, tag, deps=(heads,)))
            routes += [self.story_route(lang, slug) for slug in versions]
            for type_ in ENTITY_ORDER:
                ids = [e.id for e in site.entities_of(type_)]
                routes.append(Route(urls.entity_index(lang, type_), "entity_index", lang, type_, deps=(heads, digest(ids))))
            for entity in site.entities.values():
                deps = self.entity_deps(lang, entity)
                routes.append(Route(urls.entity(lang, entity), "entity", lang, entity.id, deps=deps))
                routes.append(Route(urls.entity_feed(lang, entity), "entity_feed", lang, entity.id, deps=deps))
        return routes

    def cost(self, route: Route) -> float:
        """Roughly how long a page takes, in story pages (~0.7 ms), measured at 10k stories:
        list pages grow with the stories they list."""
        if route.kind in ("entity", "entity_feed"):
            listed = len(self.site.mentions[route.lang].get(route.key, ())) + len(self.site.entity_events[route.lang].get(route.key, ()))
            return (1.0 if route.kind == "entity" else 0.5) + listed * 0.05
        if route.kind in COST_PER_STORY:
            return 1.0 + COST_PER_STORY[route.kind] * len(self.site.stories[route.lang or self.default])
        return 1.0

    def story_route(self, lang: str, slug: str) -> Route:
        version = self.site.stories[lang][slug]
        return Route(urls.story(lang, slug), "story", lang, slug, deps=self.story_deps(lang, version))

    def story_deps(self, lang: str, version: StoryVersion) -> tuple[str, ...]:
        others = tuple(self.site.stories[other][version.slug].head_digest for other in self.config.languages)
        return (version.digest, *others, *(v.head_digest for v in self.neighbours(lang, version.slug) if v))

    def entity_deps(self, lang: str, entity: Entity) -> tuple[str, ...]:
        site = self.site
        slugs = set(site.mentions[lang].get(entity.id, ())) | {e.story for e in site.entity_events[lang].get(entity.id, ())}
        versions = site.stories[lang]
        structure = (site.children.get(entity.id), site.seated.get(entity.id),
                     [p for p, _ in site.members.get(entity.id, ())])
        return (entity.digest, digest(structure), *sorted(versions[s].head_digest for s in slugs))

    def neighbours(self, lang: str, slug: str) -> tuple[StoryVersion | None, StoryVersion | None]:
        """(older, newer) story in the archive's order."""
        order, i = self.order[lang], self.position[lang][slug]
        versions = self.site.stories[lang]
        older = versions[order[i + 1]] if i + 1 < len(order) else None
        newer = versions[order[i - 1]] if i > 0 else None
        return older, newer

    # Rendering -------------------------------------------------------------------------
    def render(self, route: Route) -> tuple[bytes, frozenset[str]]:
        """The page's bytes and the entity ids it looked up."""
        page = PageContext(self, route)
        builder = getattr(self, f"page_{route.kind}")
        template, context = builder(page, route)
        env = self.envs[route.lang]
        try:
            text = env.get_template(template).render(page=page, site=self.config, lang=route.lang or self.default, **page.helpers(), **context)
        except jinja2.TemplateError as bad:
            raise ContentError([template_problem(bad, self.templates, template)]) from None
        return text.encode("utf-8"), frozenset(page.looked_up)

    def fragment(self, template: str, page: PageContext, **context) -> Markup:
        """A piece of a page from its own template, with the page's helpers."""
        env = self.envs[page.route.lang]
        try:
            text = env.get_template(template).render(page=page, site=self.config, lang=page.lang, **page.helpers(), **context)
        except jinja2.TemplateError as bad:
            raise ContentError([template_problem(bad, self.templates, template)]) from None
        return Markup(text)

    def page_chooser(self, page: PageContext, route: Route):
        return "chooser.html", {"page_languages": [(LANGUAGES[l], page.href(urls.home(l))) for l in self.config.languages]}

    def page_not_found(self, page: PageContext, route: Route):
        return "404.html", {"page_languages": [(LANGUAGES[l], page.href(urls.home(l))) for l in self.config.languages]}

    def page_home(self, page: PageContext, route: Route):
        lang = route.lang
        latest = list(self.site.stories[lang].values())[:8]
        events = self.site.events[lang][-8:][::-1]
        counts = self.mention_counts[lang]
        key_entities = {
            type_: sorted((e for e in self.site.entities_of(type_) if counts.get(e.id)), key=lambda e: (-counts[e.id], e.id))[:6]
            for type_ in ENTITY_ORDER
        }
        return "home.html", {"stories": latest, "events": events, "key_entities": key_entities, "counts": counts}

    def page_archive(self, page: PageContext, route: Route):
        versions = list(self.site.stories[route.lang].values())
        years = [(year, list(group)) for year, group in groupby(versions, key=lambda v: v.date.year)]
        return "archive.html", {"years": years}

    def page_story(self, page: PageContext, route: Route):
        lang, site = route.lang, self.site
        version = site.stories[lang][route.key]
        older, newer = self.neighbours(lang, route.key)
        people = [
            (site.entities[p], [r for r in site.entities[p].roles if r.held_on(version.date)])
            for p in version.people
        ]
        body = link_entities(self.bodies.get(version.body_key), page.resolve_link)
        other = {l: site.stories[l][route.key] for l in self.config.languages}
        return "story.html", {"story": version, "body": Markup(body), "people": people, "older": older,
                              "newer": newer, "versions": other}

    def page_entity_index(self, page: PageContext, route: Route):
        lang, type_ = route.lang, route.key
        key = sort_key_for(lang)
        entities = sorted(self.site.entities_of(type_), key=lambda e: key(e.name.pick(lang, self.default)[0]))
        return "entity_index.html", {"type": type_, "entities": entities, "counts": self.mention_counts[lang]}

    def page_entity(self, page: PageContext, route: Route):
        lang, site = route.lang, self.site
        entity = site.entities[route.key]
        stories = [site.stories[lang][s] for s in site.mentions[lang].get(entity.id, ())]
        members = sorted(site.members.get(entity.id, ()), key=lambda pr: (pr[1].start or PartialDate(0), pr[0]), reverse=True)
        children = defaultdict(list)
        for child in site.children.get(entity.id, ()):
            children[site.entities[child].type].append(site.entities[child])
        return "entity.html", {
            "entity": entity, "stories": stories, "events": site.entity_events[lang].get(entity.id, ()),
            "related": site.related[lang].get(entity.id, ()), "members": members,
            "children": dict(children), "seated": [site.entities[i] for i in site.seated.get(entity.id, ())],
        }

    def page_entity_feed(self, page: PageContext, route: Route):
        entity = self.site.entities[route.key]
        stories = [self.site.stories[route.lang][s] for s in self.site.mentions[route.lang].get(entity.id, ())]
        return "feed.xml", {"stories": stories, "feed_title": entity.name, "feed_page": urls.entity(route.lang, entity)}

    def page_feed(self, page: PageContext, route: Route):
        stories = list(self.site.stories[route.lang].values())
        return "feed.xml", {"stories": stories, "feed_title": self.config.title, "feed_page": urls.home(route.lang)}

    def page_timeline(self, page: PageContext, route: Route):
        entries = timeline_entries(self.site, route.lang)
        years = [(year, list(group)) for year, group in groupby(entries, key=lambda e: e.date.year)]
        tags = sorted({t for v in self.site.stories[route.lang].values() for t in v.tags})
        named = {i for entry in entries for i in entry.entities}
        key = sort_key_for(route.lang)
        entities = {  # for the single-entity filter, per type in index order
            type_: [e.id for e in sorted((e for e in self.site.entities_of(type_) if e.id in named),
                                         key=lambda e: key(e.name.pick(route.lang, self.default)[0]))]
            for type_ in ENTITY_ORDER
        }
        return "timeline.html", {"years": years, "tags": tags, "filter_entities": entities}

    def page_tags(self, page: PageContext, route: Route):
        counts: dict[str, int] = defaultdict(int)
        for version in self.site.stories[route.lang].values():
            for tag in version.tags:
                counts[tag] += 1
        key = sort_key_for(route.lang)
        ordered = sorted(counts, key=lambda t: key(page.tag_name(t)))
        return "tags.html", {"tags": [(t, counts[t]) for t in ordered]}

    def page_tag(self, page: PageContext, route: Route):
        stories = [v for v in self.site.stories[route.lang].values() if route.key in v.tags]
        return "tag.html", {"tag": route.key, "stories": stories}

    def page_sitemap(self, page: PageContext, route: Route):
        entries = []
        for group in self.logical_pages():
            real = [(lang, url) for lang, url, is_real in group if is_real]
            alternates = [(LANGUAGES[lang].hreflang, page.absolute(url)) for lang, url in real]
            default_url = next(url for lang, url, _ in group if lang == self.default)
            alternates.append(("x-default", page.absolute(default_url)))
            for lang, url in real:
                entries.append((page.absolute(url), alternates))
        return "sitemap.xml", {"entries": entries}

    def logical_pages(self) -> list[list[tuple[str, str, bool]]]:
        """Each page in all its languages: (lang, url, is a real translation)."""
        langs = self.config.languages
        groups = [[(l, make(l), True) for l in langs] for make in (urls.home, urls.stories, urls.timeline, urls.tags)]
        for type_ in ENTITY_ORDER:
            groups.append([(l, urls.entity_index(l, type_), True) for l in langs])
        for tag in sorted({t for v in self.site.stories[self.default].values() for t in v.tags}):
            groups.append([(l, urls.tag(l, tag), True) for l in langs])
        for slug in self.site.stories[self.default]:
            groups.append([(l, urls.story(l, slug), not self.site.stories[l][slug].fallback) for l in langs])
        for entity in self.site.entities.values():
            groups.append([(l, urls.entity(l, entity), True) for l in langs])
        return groups


@dataclass(frozen=True)
class TimelineEntry:
    date: PartialDate
    end: PartialDate | None
    kind: str  # 'event' or 'story'
    anchor: str
    title: Text
    story: StoryVersion
    entities: tuple[str, ...]
    types: tuple[str, ...]  # entity types named, for the timeline's filter


def timeline_entries(site: Site, lang: str) -> list[TimelineEntry]:
    """Every event and every story publication, oldest first."""
    def types(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t for t in ENTITY_ORDER if any(site.entities[i].type == t for i in ids))

    entries = [
        TimelineEntry(e.date, e.end, "event", e.anchor, e.title, site.stories[lang][e.story], e.entities, types(e.entities))
        for e in site.events[lang]
    ]
    for version in site.stories[lang].values():
        d = version.date
        entries.append(TimelineEntry(PartialDate(d.year, d.month, d.day), None, "story", f"story-{version.slug}",
                                     version.title, version, version.entities, types(version.entities)))
    entries.sort(key=lambda e: (e.date.first_day(), e.kind == "story", e.story.slug, e.anchor))
    return entries


def template_problem(bad: jinja2.TemplateError, templates: Path, fallback: str) -> Problem:
    """Where in which template a rendering error happened, as a Problem."""
    if isinstance(bad, jinja2.TemplateSyntaxError):
        name = bad.filename or bad.name or fallback
        return Problem(name if "/" in str(name) else str(templates / name), bad.lineno or 0, f"template error: {bad.message}")
    for frame in reversed(traceback.extract_tb(bad.__traceback__)):
        if frame.filename and str(templates) in frame.filename:
            return Problem(frame.filename, frame.lineno or 0, f"template error: {bad}")
    return Problem(str(templates / fallback), 0, f"template error: {bad}")

