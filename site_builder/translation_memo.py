"""`serve`'s memory of translation states between builds (BuildState.translation_memo).

A body edit changes one story of 10,000: its states are made again, and the rest — the
states, their row keys, their place in the worst-first order, the status's index and stale
dates — are carried over from the last build, patched (see translations.py for the states).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.load import shown_path
from site_builder.model import Site, StoryVersion
from site_builder.translation_facts import entity_facts, story_facts
from site_builder.translations import (CatalogStatus, EntityStatus, Ledger, Status, StoryStatus, add_stale,
                                       entity_states, row_key, story_states, worst_first, worst_first_key)


@dataclass
class StatusMemo:
    """`serve`: the last build's states of each story, with the versions they were made from,
    and of the entities. A story whose versions are the very objects of the last build (a body
    edit swaps one story's; the other stories' stay) keeps its states, their row key and their
    place in the worst-first order: making, keying and sorting all 20,000 of 10,000 stories'
    again was a third of a body edit. (A stale story's date found in git is thus looked up
    again when the story next changes, not after every commit.)"""

    stories: dict[str, tuple[tuple[StoryVersion, ...], tuple[StoryStatus, ...], str]] = field(default_factory=dict)
    entities: tuple[object, tuple[EntityStatus, ...]] | None = None
    order: list[StoryStatus] | None = None  # the last build's, worst first
    last: Status | None = None  # the last build's (its index and stale dates, patched for the next)

    def status(self, site: Site, content: Path, ledger: Ledger, catalogs: tuple[CatalogStatus, ...]) -> Status:
        default = site.config.default_language
        others = [lang for lang in site.config.languages if lang != default]
        today = dt.date.today().isoformat()
        kept, keys, made, gone, tables, last = {}, [], [], [], [site.stories[lang] for lang in others], self.stories
        for slug, original in site.stories[default].items():
            versions = (original, *[table[slug] for table in tables])
            was = last.get(slug)
            # (a tuple compares its items by identity first; versions equal field by field give equal states)
            if was is None or was[0] != versions:
                if was is not None:
                    gone.append(was)
                states = story_states(slug, story_facts(original, list(versions[1:]), others, default),
                                      content, default, ledger, today)
                was = (versions, states, row_key(states))
                made.append(was)
            kept[slug] = was
            keys.append(was[2])
        gone += [entry for slug, entry in last.items() if slug not in kept]
        self.order = resorted(self.order, gone, made, kept)
        self.stories = kept
        if self.entities is None or self.entities[0] is not site.entities:
            self.entities = (site.entities, entity_states(entity_facts(site, shown_path(content), others).values()))
        index, stale = patched_indexes(self.last, gone, made)
        self.last = Status(tuple(self.order), self.entities[1], catalogs, tuple(keys), index, stale)
        return self.last


def patched_indexes(last: Status | None, gone: list, made: list) -> tuple[dict | None, dict | None]:
    """The last Status's index and stale dates with the states of `gone` stories taken out and
    those `made` put in (copies: the last Status stays as it was); (None, None), to make them
    anew, when there is no last one or most stories changed. Making them from 20,000 states
    was a tenth of a body edit at 10,000 stories."""
    if last is None or len(gone) + len(made) > RESORT_AT_MOST:
        return None, None
    index, stale = dict(last.index), {lang: dict(dates) for lang, dates in last.stale.items()}
    for entry in gone:
        for status in entry[1]:
            index.pop((status.lang, status.slug), None)
            stale.get(status.lang, {}).pop(status.slug, None)
    for entry in made:
        for status in entry[1]:
            index[(status.lang, status.slug)] = status
            add_stale(stale, status)
    return index, {lang: dates for lang, dates in stale.items() if dates}


RESORT_AT_MOST = 64  # stories made again: placed one by one in the last order, not all sorted again


def resorted(order: list[StoryStatus] | None, gone: list, made: list, every: dict) -> list[StoryStatus]:
    """The worst-first order with the states of `gone` stories taken out and those `made` put in."""
    if order is None or len(gone) + len(made) > RESORT_AT_MOST:
        return list(worst_first([status for entry in every.values() for status in entry[1]]))
    if not gone and not made:
        return order
    out = {id(status) for entry in gone for status in entry[1]}
    order = [status for status in order if id(status) not in out]
    for entry in made:
        for status in entry[1]:
            bisect.insort(order, status, key=worst_first_key)
    return order
