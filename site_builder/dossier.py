"""What an entity page shows at a glance: its facts, key dates and relations (Site → Dossier).

One Dossier per entity page. Its relations feed both the SVG diagram (diagram.py) and the
text list screen readers get, so the two always name the same entities; every entity shown
is looked up through the page, so an edit to one re-renders the pages showing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

from site_builder import diagram, urls
from site_builder.config import KEY_DATES, LANGUAGES
from site_builder.model import Entity, Event, Role

if TYPE_CHECKING:
    from site_builder.page_helpers import PageHelpers

MAX_NODES = 12  # a diagram beyond this is unreadable on a phone: the rest are counted
MIN_CO_MENTIONS = 4  # of those, kept for the stories' view when the entity files fill the rest
CURATED = ("parent", "place", "roles", "members", "children", "seated")


@dataclass(frozen=True)
class RelationGroup:
    key: str  # one of CURATED, or 'related'
    ids: tuple[str, ...]  # shown
    hidden: int  # left out by the cap
    counts: tuple[int, ...] = ()  # for 'related': stories together


class Dossier:
    def __init__(self, page: PageHelpers, entity: Entity):
        site, lang = page.site, page.lang
        self.page, self.entity = page, entity
        slugs = site.mentions[lang].get(entity.id, ())
        versions = site.stories[lang]
        self.stories = len(slugs)
        self.first: dt.date | None = versions[slugs[-1]].date if slugs else None
        self.last: dt.date | None = versions[slugs[0]].date if slugs else None
        self.roles_now: list[Role] = [r for r in entity.roles if r.end is None]
        self.roles_before: list[Role] = sorted((r for r in entity.roles if r.end is not None),
                                               key=lambda r: r.end, reverse=True)
        members = site.members.get(entity.id, ())
        self.members_now = list(dict.fromkeys(p for p, r in members if r.end is None))
        events = site.entity_events[lang].get(entity.id, ())
        first, last = KEY_DATES
        self.key_events: list[Event] = list(events) if len(events) <= first + last else [*events[:first], *events[-last:]]
        self.more_events = len(events) - len(self.key_events)
        self.gap_at = first if self.more_events else None  # where the list skips the middle
        self.groups = self.relation_groups()
        self.hidden = sum(g.hidden for g in self.groups)

    def relation_groups(self) -> list[RelationGroup]:
        site, e = self.page.site, self.entity
        members = sorted(site.members.get(e.id, ()), key=lambda pr: (pr[1].end is not None, pr[0]))
        curated = {
            "parent": [e.parent] if e.parent else [], "place": [e.place] if e.place else [],
            "roles": list(dict.fromkeys(r.org for r in e.roles if r.org)),
            "members": list(dict.fromkeys(p for p, _ in members)),
            "children": list(site.children.get(e.id, ())), "seated": list(site.seated.get(e.id, ())),
        }
        shown_curated = {i for ids in curated.values() for i in ids}
        related = [(i, n) for i, n in site.related[self.page.lang].get(e.id, ()) if i not in shown_curated and i != e.id]
        budget = MAX_NODES - min(len(related), MIN_CO_MENTIONS)
        take = {key: 0 for key in CURATED}
        for key in CURATED:  # every kind of relation gets a node before any gets two
            if curated[key] and budget:
                take[key], budget = 1, budget - 1
        for key in CURATED:
            extra = min(len(curated[key]) - take[key], budget)
            take[key], budget = take[key] + extra, budget - extra
        groups = [RelationGroup(key, tuple(curated[key][: take[key]]), len(curated[key]) - take[key]) for key in CURATED]
        room = MAX_NODES - sum(take.values())
        groups.append(RelationGroup("related", tuple(i for i, _ in related[:room]), max(0, len(related) - room),
                                    tuple(n for _, n in related[:room])))
        return [g for g in groups if g.ids or g.hidden]

    def diagram(self, headings: dict[str, str], more: Callable[[int], str], title: str = "") -> Markup:
        """The SVG: `headings` per group key and `more(n)` come from the template's catalog."""
        page = self.page

        def node(entity_id: str) -> diagram.Node:
            e = page.entity(entity_id)
            name, lang = e.name.pick(page.lang, page.default)
            return diagram.Node(name, page.href(urls.entity(page.lang, e)), e.type,
                                LANGUAGES[lang].hreflang if lang != page.lang else "")

        groups = tuple(diagram.Group(str(headings[g.key]), tuple(node(i) for i in g.ids)) for g in self.groups)
        hub = node(self.entity.id)
        return diagram.render(hub, groups, str(more(self.hidden)) if self.hidden else "", title)
