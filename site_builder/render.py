"""Stage 3, render: one route of the plan (plan.py) → the page's bytes.

`Renderer.render(route)` turns a route into bytes and also returns the entity ids its templates
looked up, so that the next build can tell which pages an entity edit touches. The page
builders (`page_<kind>`) choose a template and what it is given; the helpers templates call
are page_helpers.py's. This is the only module that renders templates (i18n.py makes their
Environments).
"""

from __future__ import annotations

import traceback
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import jinja2
from markupsafe import Markup

from site_builder import datafiles, urls
from site_builder.config import LANGUAGES
from site_builder.dossier import Dossier
from site_builder.errors import ContentError, Problem
from site_builder.markup import MarkdownCache, link_entities
from site_builder.model import PartialDate, Site
from site_builder.page_helpers import PageHelpers, PageMemo
from site_builder.paging import Lists, page_url
from site_builder.plan import ENTITY_ORDER, Route, StoryOrder
from site_builder.translations import Status


@dataclass(frozen=True)
class RenderedPage:
    data: bytes
    looked_up: frozenset[str]  # entity ids its templates looked up


def sort_key_for(lang: str) -> Callable[[str], tuple]:
    """Index order: pinyin for Chinese (pypinyin), case-folded alphabet otherwise. A name in
    Latin letters in the Chinese index ("KOTRA") goes under its letter among the pinyin, as
    in a Chinese phone book (pypinyin leaves it as it is: case-folded here)."""
    if lang == "zh":
        from pypinyin import Style, lazy_pinyin

        return lambda text: ([part.casefold() for part in lazy_pinyin(text, style=Style.TONE3)], text)
    return lambda text: (text.casefold(), text)


def initial_for(lang: str) -> Callable[[str], str]:
    """The letter a name is indexed under: its first letter without accents (the pinyin
    initial for Chinese), upper case; '#' for a name that starts otherwise."""
    def letter(text: str) -> str:
        base = unicodedata.normalize("NFKD", text[:1]).upper()[:1]
        return base if "A" <= base <= "Z" else "#"
    if lang == "zh":
        key = sort_key_for(lang)
        return lambda text: letter("".join(key(text)[0])[:1] or text)
    return letter


def anchor_of(letter: str) -> str:
    """The id of the entry where an initial starts on an index page."""
    return "initial-" + ("other" if letter == "#" else letter)


class Renderer:
    """Renders routes of one Site with one Environment per language."""

    def __init__(self, site: Site, templates: Path, envs: dict[str | None, jinja2.Environment],
                 bodies: MarkdownCache, order: StoryOrder, translations: Status | None = None,
                 lists: Lists | None = None):
        self.site, self.templates, self.envs, self.bodies, self.order = site, templates, envs, bodies, order
        self.translations = translations or Status((), ())
        self.config = site.config
        self.default = site.config.default_language
        self.lists = lists or Lists(site)  # the planner's: the timeline is sorted once
        self.memo = PageMemo(lists=self.lists)
        self.mention_counts = {
            lang: {i: len(slugs) for i, slugs in per.items()} for lang, per in site.mentions.items()
        }
        self.data = datafiles.DataFiles(site)  # /data/: tables made once per process, if asked
        self.orders: dict[tuple[str, str], list] = {}  # index orders and tag lists, made once per process

    # Rendering -------------------------------------------------------------------------
    def render(self, route: Route) -> RenderedPage:
        """The page's bytes and the entity ids it looked up."""
        if route.kind == "data":
            return RenderedPage(*self.data.render(route.url))
        page = PageHelpers(self.site, route, self.memo, self.fragment)
        builder = getattr(self, f"page_{route.kind}")
        template, context = builder(page, route)
        env = self.envs[route.lang]
        try:
            text = env.get_template(template).render(page=page, site=self.config, lang=route.lang or self.default, **page.helpers(), **context)
        except jinja2.TemplateError as bad:
            raise ContentError([template_problem(bad, self.templates, template)]) from None
        return RenderedPage(text.encode("utf-8"), frozenset(page.looked_up))

    def fragment(self, template: str, page: PageHelpers, **context) -> Markup:
        """A piece of a page from its own template, with the page's helpers."""
        env = self.envs[page.route.lang]
        try:
            text = env.get_template(template).render(page=page, site=self.config, lang=page.lang, **page.helpers(), **context)
        except jinja2.TemplateError as bad:
            raise ContentError([template_problem(bad, self.templates, template)]) from None
        return Markup(text)

    def page_chooser(self, page: PageHelpers, route: Route):
        return "chooser.html", {"page_languages": [(LANGUAGES[l], page.href(urls.home(l))) for l in self.config.languages]}

    def page_not_found(self, page: PageHelpers, route: Route):
        return "404.html", {"page_languages": [(LANGUAGES[l], page.href(urls.home(l))) for l in self.config.languages]}

    def page_home(self, page: PageHelpers, route: Route):
        lang = route.lang
        latest = list(self.site.stories[lang].values())[:8]
        events = self.site.events[lang][-8:][::-1]
        counts = self.mention_counts[lang]
        key_entities = {
            type_: sorted((e for e in self.site.entities_of(type_) if counts.get(e.id)), key=lambda e: (-counts[e.id], e.id))[:6]
            for type_ in ENTITY_ORDER
        }
        return "home.html", {"stories": latest, "events": events, "key_entities": key_entities, "counts": counts}

    def page_archive(self, page: PageHelpers, route: Route):
        versions = self.lists.archive(route.lang)[route.page - 1]
        years = [(year, list(group)) for year, group in groupby(versions, key=lambda v: v.date.year)]
        paging = self.lists.paging("archive", route.lang, "", route.page)
        return "archive.html", {"years": years, "paging": paging,
                                "year_pages": self.lists.year_pages("archive", route.lang) if paging else ()}

    def page_story(self, page: PageHelpers, route: Route):
        lang, site = route.lang, self.site
        version = site.stories[lang][route.key]
        older, newer = self.order.neighbours(lang, route.key)
        people = [
            (site.entities[p], [r for r in site.entities[p].roles if r.held_on(version.date)])
            for p in version.people
        ]
        body = link_entities(self.bodies.get(version.body_key), page.resolve_link)
        other = {l: site.stories[l][route.key] for l in self.config.languages}
        return "story.html", {"story": version, "body": Markup(body), "people": people, "older": older,
                              "newer": newer, "versions": other,
                              "stale_since": self.translations.stale_since(lang, (route.key,)).get(route.key)}

    def page_translations(self, page: PageHelpers, route: Route):
        """The editors' page: the same Status as `status` prints."""
        stories, entities = (chunks[route.page - 1] for chunks in self.lists.translations())
        return "translations.html", {"status": self.translations, "stories": stories, "entities": entities,
                                     "catalogs": self.translations.catalogs,
                                     "counts": self.translations.counts(),
                                     "paging": self.lists.paging("translations", route.lang, "", route.page),
                                     "stale": {(s.lang, s.slug): self.translations.stale[s.lang][s.slug]
                                               for s in stories if s.slug in self.translations.stale.get(s.lang, ())}}

    def page_entity_index(self, page: PageHelpers, route: Route):
        lang, type_ = route.lang, route.key
        order = self.index_order(lang, type_)
        paging = self.lists.paging("entity_index", lang, type_, route.page)
        if paging is None:
            return "entity_index.html", {"type": type_, "entities": order, "counts": self.mention_counts[lang], "paging": None}
        start, size = (route.page - 1) * self.lists.size, self.lists.size
        shown, letters = order[start:start + size], self.index_letters(lang, type_)[start:start + size]
        starts = {}  # the first entity of each initial on this page → its anchor
        for entity, letter, before in zip(shown, letters, [None, *letters]):
            if letter != before:
                starts[entity.id] = anchor_of(letter)
        return "entity_index.html", {"type": type_, "entities": shown, "counts": self.mention_counts[lang],
                                     "paging": paging, "initials": self.index_initials(lang, type_), "starts": starts}

    def index_letters(self, lang: str, type_: str) -> list[str]:
        """The initial of each entity of the index, in its order (once per process)."""
        found = self.orders.get((lang, type_, "letters"))
        if found is None:
            initial = initial_for(lang)
            found = self.orders[lang, type_, "letters"] = [initial(e.name.pick(lang, self.default)[0])
                                                           for e in self.index_order(lang, type_)]
        return found

    def index_initials(self, lang: str, type_: str) -> list[tuple[str, str, int]]:
        """(initial, its anchor, number of the index page where it starts), in the index's
        order: the letter jump of a split index."""
        pages: dict[str, int] = {}
        for n, letter in enumerate(self.index_letters(lang, type_)):
            pages.setdefault(letter, n // self.lists.size + 1)
        return [(letter, anchor_of(letter), number) for letter, number in pages.items()]

    def index_order(self, lang: str, type_: str) -> list:
        """The entities of a type in the language's index order: sorted once per process, since
        every timeline page lists the ones it names in this order (pinyin costs ~20 µs a name)."""
        found = self.orders.get((lang, type_))
        if found is None:
            key = sort_key_for(lang)
            found = self.orders[lang, type_] = sorted(self.site.entities_of(type_),
                                                      key=lambda e: key(e.name.pick(lang, self.default)[0]))
        return found

    def before_fork(self, routes: Iterable[Route]) -> None:
        """Make here what every render process would make for itself, so that the forked
        workers share one copy: the index orders, which every timeline page uses (sorting by
        pinyin loads pypinyin's dictionaries, ~50 MB in each process that does it)."""
        for lang in sorted({route.lang for route in routes if route.kind in ("timeline", "entity_index")}):
            for type_ in ENTITY_ORDER:
                self.index_order(lang, type_)
            self.all_tags(lang)

    def forget(self) -> None:
        """Drop what pages shared while rendering (story items, cards, links): the stage after
        the render, the search index, needs the memory and renders nothing."""
        self.memo.items.clear()
        self.memo.cards.clear()
        self.memo.links.clear()

    def all_tags(self, lang: str) -> list[str]:
        """Every tag of the language's stories, sorted (once per process: every timeline page offers them)."""
        found = self.orders.get((lang, "tags"))
        if found is None:
            found = self.orders[lang, "tags"] = sorted({t for v in self.site.stories[lang].values() for t in v.tags})
        return found

    def page_entity(self, page: PageHelpers, route: Route):
        lang, site = route.lang, self.site
        entity = site.entities[route.key]
        story_pages, event_pages = self.lists.entity(lang, entity.id)
        paging = self.lists.paging("entity", lang, entity.id, route.page)
        stories, events = story_pages[route.page - 1], event_pages[route.page - 1]
        members = sorted(site.members.get(entity.id, ()), key=lambda pr: (pr[1].start or PartialDate(0), pr[0]), reverse=True)
        children = defaultdict(list)
        for child in site.children.get(entity.id, ()):
            children[site.entities[child].type].append(site.entities[child])
        return "entity.html", {
            "entity": entity, "stories": stories, "events": tuple(events), "paging": paging,
            "on_timeline": page_url(urls.timeline(lang), self.lists.timeline_page_of(lang, entity.id)),
            "related": site.related[lang].get(entity.id, ()), "members": members,
            "children": dict(children), "seated": [site.entities[i] for i in site.seated.get(entity.id, ())],
            "dossier": Dossier(page, entity), "data_file": datafiles.entity_file(entity.id),
        }

    def page_entity_feed(self, page: PageHelpers, route: Route):
        entity = self.site.entities[route.key]
        stories = [self.site.stories[route.lang][s] for s in self.site.mentions[route.lang].get(entity.id, ())]
        return "feed.xml", {"stories": stories, "feed_title": entity.name, "feed_page": urls.entity(route.lang, entity),
                            "stale": self.translations.stale_since(route.lang, (s.slug for s in stories))}

    def page_feed(self, page: PageHelpers, route: Route):
        stories = list(self.site.stories[route.lang].values())
        return "feed.xml", {"stories": stories, "feed_title": self.config.title, "feed_page": urls.home(route.lang),
                            "stale": self.translations.stale_since(route.lang, (s.slug for s in stories))}

    def page_timeline(self, page: PageHelpers, route: Route):
        entries = self.lists.timeline(route.lang)[route.page - 1]
        paging = self.lists.paging("timeline", route.lang, "", route.page)
        years = [(year, list(group)) for year, group in groupby(entries, key=lambda e: e.date.year)]
        named = {i for entry in entries for i in entry.entities}
        entities = {  # for the single-entity filter, per type in index order
            type_: [e.id for e in self.index_order(route.lang, type_) if e.id in named] for type_ in ENTITY_ORDER
        }
        return "timeline.html", {"years": years, "tags": self.all_tags(route.lang), "filter_entities": entities, "paging": paging,
                                 "year_pages": self.lists.year_pages("timeline", route.lang) if paging else ()}

    def page_data_page(self, page: PageHelpers, route: Route):
        return "data.html", {"tables": self.data.tables}

    def page_tags(self, page: PageHelpers, route: Route):
        counts: dict[str, int] = defaultdict(int)
        for version in self.site.stories[route.lang].values():
            for tag in version.tags:
                counts[tag] += 1
        key = sort_key_for(route.lang)
        ordered = sorted(counts, key=lambda t: key(page.tag_name(t)))
        return "tags.html", {"tags": [(t, counts[t]) for t in ordered]}

    def page_search(self, page: PageHelpers, route: Route):
        return "search.html", {}

    def page_tag(self, page: PageHelpers, route: Route):
        total, pages = self.lists.tag(route.lang, route.key)
        return "tag.html", {"tag": route.key, "stories": pages[route.page - 1], "total": total,
                            "paging": self.lists.paging("tag", route.lang, route.key, route.page)}

    def page_sitemap(self, page: PageHelpers, route: Route):
        """The sitemap, or one of its files when the site has more URLs than one may list."""
        entries = []
        for url, group in self.lists.sitemap_files()[route.page - 1]:
            alternates = [(LANGUAGES[lang].hreflang, page.absolute(u)) for lang, u, is_real in group if is_real]
            default_url = next(u for lang, u, _ in group if lang == self.default)
            alternates.append(("x-default", page.absolute(default_url)))
            entries.append((page.absolute(url), alternates))
        return "sitemap.xml", {"entries": entries}

    def page_sitemap_index(self, page: PageHelpers, route: Route):
        """/sitemap.xml of a site with more URLs than one sitemap may list: its files."""
        count = len(self.lists.sitemap_files())
        return "sitemap_index.xml", {"sitemaps": [page.absolute(urls.sitemap(n, count)) for n in range(1, count + 1)]}


def template_problem(bad: jinja2.TemplateError, templates: Path, fallback: str) -> Problem:
    """Where in which template a rendering error happened, as a Problem."""
    if isinstance(bad, jinja2.TemplateSyntaxError):
        name = bad.filename or bad.name or fallback
        return Problem(name if "/" in str(name) else str(templates / name), bad.lineno or 0, f"template error: {bad.message}")
    for frame in reversed(traceback.extract_tb(bad.__traceback__)):
        if frame.filename and str(templates) in frame.filename:
            return Problem(frame.filename, frame.lineno or 0, f"template error: {bad}")
    return Problem(str(templates / fallback), 0, f"template error: {bad}")

