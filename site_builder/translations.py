"""Translation status: what each translation was made from, and whether it still matches.

Input: translation_facts.py's `Facts` (of the Site a build assembled, or the last ones brought
up to date by `status`), the content directory and `.cache/`. Output: a `Status` — per story and language one of
missing / stale / unverified / current, the entities whose Chinese name or summary is
missing, and the UI catalogs' counts — read by `status`, the story pages' stale notice and
the editors' page `/L/translations/` alike, so that all three say the same thing.

A translation records in `translated_from` the digest of the original's translatable text
(title, summary, event titles, body) with every run of whitespace read as one space, so
re-wrapping a paragraph never makes a translation stale. The text a translation was made
from is found again, for the diff of changed lines and the date it went stale, first in the
original's git history (the newest commit whose text has that digest; the next commit is
when it went stale) and otherwise in `Ledger`, a record under `.cache/` kept by
`new story --translate` and `status --ack` (the text) and by the first build or status that
saw the translation stale (the date).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from site_builder.load import shown_path
from site_builder.model import Site, translation_state
from site_builder.original_text import (  # noqa: F401 (status.py and tests read them here)
    EnglishText, english_text, read_english, text_digest, text_lines, version_digest,
)
from site_builder.records import read_record, write_record
from site_builder.translation_facts import EntityFacts, Facts, StoryFacts, of_site

STORY_STATES = ("stale", "missing", "unverified", "current")  # worst first
KINDS = ("stale", "missing", "unverified", "name", "summary", "catalog")
STRICT_DEFAULT = ("stale", "missing", "unverified")
LEDGER_VERSION = 1


# What a build remembers about translations -------------------------------------------------
@dataclass
class Ledger:
    """`.cache/translations.pickle`: the original's text at the digests translations were
    made from (by --translate and --ack), and when a build first saw a translation stale."""

    texts: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (slug, digest) → lines
    first_seen: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (lang, slug, from) → ISO date
    catalogs: tuple[str, tuple[CatalogStatus, ...]] = ("", ())  # (stamps of templates and catalogs, counts)
    changed: bool = False

    @classmethod
    def load(cls, cache_dir: Path | None) -> Ledger:
        found = read_record(cache_dir / "translations.pickle", LEDGER_VERSION) if cache_dir else None
        return cls(found.texts, found.first_seen, found.catalogs) if isinstance(found, Ledger) else cls()

    def save(self, cache_dir: Path | None) -> None:
        if cache_dir and self.changed:
            write_record(cache_dir / "translations.pickle", LEDGER_VERSION, Ledger(self.texts, self.first_seen, self.catalogs))
            self.changed = False

    def catalog_counts(self, templates: Path, languages: tuple[str, ...], default: str) -> tuple[CatalogStatus, ...]:
        """`catalog_counts`, remembered while no template or catalog changes: extracting the
        messages from the templates is most of a `status` run otherwise (~0.4 s)."""
        stamps = hashlib.sha1()
        for directory, dirs, files in os.walk(templates):
            dirs.sort()
            for name in sorted(files):
                st = os.stat(os.path.join(directory, name))
                stamps.update(f"{directory}/{name}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
        key = repr((stamps.hexdigest(), languages, default))
        if self.catalogs[0] != key:
            self.catalogs, self.changed = (key, catalog_counts(templates, languages, default)), True
        return self.catalogs[1]

    def keep_text(self, slug: str, text: EnglishText) -> None:
        self.texts[(slug, text.digest)] = text.lines()
        self.changed = True

    def seen_stale(self, lang: str, slug: str, translated_from: str, today: str) -> str:
        key = (lang, slug, translated_from)
        if key not in self.first_seen:
            self.first_seen[key] = today
            self.changed = True
        return self.first_seen[key]


@dataclass(frozen=True)
class Found:
    """Where the text a translation was made from was found: its lines, and when it changed."""

    lines: tuple[str, ...] | None
    since: str | None  # ISO date of the first commit after it, None when not committed
    source: str  # "git" or "cache"


def git_history(path: Path, translated_from: str, lang: str) -> Found | None:
    """The newest commit of `path` whose translatable text has the digest, and the date of the
    commit after it: two git processes, run only for stale stories. None outside git."""
    try:
        log = subprocess.run(["git", "log", "--format=%x00%H %cs", "--name-only", "--", path.name],
                             cwd=path.parent, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if log.returncode != 0 or not log.stdout.strip():
        return None
    commits = []  # newest first: (sha, date, path in the repository)
    for entry in log.stdout.split("\x00")[1:]:
        head, _, names = entry.partition("\n")
        sha, _, date = head.partition(" ")
        name = names.strip().splitlines()[0] if names.strip() else ""
        commits.append((sha, date, name))
    request = "".join(f"{sha}:{name}\n" for sha, _, name in commits)
    try:
        batch = subprocess.run(["git", "cat-file", "--batch"], cwd=path.parent, input=request.encode(),
                               capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    data, pos, newer = batch.stdout, 0, None
    for sha, date, _ in commits:
        header_end = data.find(b"\n", pos)
        if header_end < 0:
            break
        header = data[pos:header_end].split()
        pos = header_end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        blob, pos = data[pos : pos + size], pos + size + 1
        try:
            text = english_text(blob.decode("utf-8").replace("\r\n", "\n"), lang)
        except UnicodeDecodeError:
            text = None
        if text is not None and text.digest == translated_from:
            return Found(text.lines(), newer, "git")
        newer = date
    return None


# States -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoryStatus:
    slug: str
    lang: str
    state: str  # one of STORY_STATES
    original: str  # the original's file, as shown
    translation: str | None  # the translation's file, None when missing
    digest: str  # the original's translatable text now
    translated_from: str | None
    since: str | None = None  # stale: ISO date the original changed after the translation
    since_source: str | None = None  # "git" or "cache" (the first build that saw it stale)
    diff: tuple[str, ...] = ()  # stale: unified diff of the translatable lines, when the old text is known

    def as_json(self) -> dict:
        return {"slug": self.slug, "lang": self.lang, "state": self.state, "original": self.original,
                "translation": self.translation, "digest": self.digest, "translated_from": self.translated_from,
                "since": self.since, "since_source": self.since_source, "diff": list(self.diff)}


@dataclass(frozen=True)
class EntityStatus:
    id: str
    type: str
    lang: str
    path: str
    missing: tuple[str, ...]  # "name", "summary"

    def as_json(self) -> dict:
        return {"id": self.id, "type": self.type, "lang": self.lang, "path": self.path, "missing": list(self.missing)}


@dataclass(frozen=True)
class CatalogStatus:
    lang: str
    path: str
    untranslated: int
    fuzzy: int
    stale: int

    def as_json(self) -> dict:
        return {"lang": self.lang, "path": self.path, "untranslated": self.untranslated,
                "fuzzy": self.fuzzy, "stale": self.stale}


@dataclass(frozen=True)
class Status:
    stories: tuple[StoryStatus, ...]  # worst first
    entities: tuple[EntityStatus, ...]
    catalogs: tuple[CatalogStatus, ...] = ()
    story_keys: tuple[str, ...] = field(default=(), repr=False, compare=False)  # row_key of each story's states
    # derived from `stories` (None: made here; translation_memo.StatusMemo passes them patched)
    index: dict[tuple[str, str], StoryStatus] | None = field(default=None, repr=False, compare=False)
    stale: dict[str, dict[str, dt.date]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:  # derived indexes of a frozen value
        if self.index is None:
            object.__setattr__(self, "index", {(s.lang, s.slug): s for s in self.stories})
        if self.stale is None:
            stale: dict[str, dict[str, dt.date]] = {}
            for s in self.stories:
                add_stale(stale, s)
            object.__setattr__(self, "stale", stale)

    def story(self, lang: str, slug: str) -> StoryStatus | None:
        return self.index.get((lang, slug))

    def stale_since(self, lang: str, slugs: Iterable[str]) -> dict[str, dt.date]:
        """slug → the day its original changed after the translation, for the stale ones."""
        stale = self.stale.get(lang)
        return {s: stale[s] for s in slugs if s in stale} if stale else {}

    def stale_key(self, lang: str, slugs: Iterable[str]) -> str:
        """What pages listing these stories depend on: which of them are stale, since when."""
        if lang not in self.stale:
            return ""  # nothing stale in this language: most builds, and every page listing
        return hashlib.sha1(repr(sorted(self.stale_since(lang, slugs).items())).encode()).hexdigest()

    @functools.cached_property
    def stories_key(self) -> str:
        """What the editors' page depends on besides the catalogs (already in every page's):
        each story's row key and the entities' rows."""
        entities = repr([e.as_json() for e in self.entities])
        return hashlib.sha1(("".join(self.story_keys) + entities).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        """How many translations are in each state, worst first (states with none left out)."""
        counts = dict.fromkeys(STORY_STATES, 0)
        for s in self.stories:
            counts[s.state] += 1
        return {state: n for state, n in counts.items() if n}

    def failing(self, kinds: Iterable[str]) -> dict[str, int]:
        """How many items of each chosen kind there are (for --strict)."""
        counts = dict.fromkeys(kinds, 0)
        for s in self.stories:
            if s.state in counts:
                counts[s.state] += 1
        for e in self.entities:
            for what in e.missing:
                if what in counts:
                    counts[what] += 1
        if "catalog" in counts:
            counts["catalog"] = sum(c.untranslated + c.fuzzy + c.stale for c in self.catalogs)
        return {kind: n for kind, n in counts.items() if n}

    def as_json(self) -> dict:
        return {"stories": [s.as_json() for s in self.stories], "entities": [e.as_json() for e in self.entities],
                "catalogs": [c.as_json() for c in self.catalogs]}


def catalog_counts(templates: Path, languages: tuple[str, ...], default: str) -> tuple[CatalogStatus, ...]:
    """What `i18n check` finds, counted per catalog (the default language's has no translations)."""
    from site_builder.i18n import catalog_issues, catalog_path  # Babel and Jinja: only when templates changed

    issues = catalog_issues(templates, languages, default)
    counts = []
    for lang in languages:
        if lang == default:
            continue
        kinds = [kind for found, kind, _ in issues if found == lang]
        counts.append(CatalogStatus(lang, str(catalog_path(templates, lang)), kinds.count("untranslated"),
                                    kinds.count("fuzzy"), kinds.count("stale") + kinds.count("placeholder")))
    return tuple(counts)


def for_build(site: Site, content: Path, templates: Path, cache_dir: Path | None, record: bool,
              memo=None) -> Status:
    """The status pages show: the same as `status` prints (`check`, writing nothing, leaves
    the ledger alone: it neither reads nor records first sightings). `serve` passes its
    `memo` of the last build's states (a translation_memo.StatusMemo, which imports this module)."""
    if not record:  # nothing is written: the catalogs' counts would not be seen either
        return site_status(of_site("", {}, site, shown_path(content)), content, Ledger())
    ledger = Ledger.load(cache_dir)
    catalogs = ledger.catalog_counts(templates, site.config.languages, site.config.default_language)
    if memo is None:
        found = site_status(of_site("", {}, site, shown_path(content)), content, ledger, catalogs=catalogs)
    else:
        found = memo.status(site, content, ledger, catalogs)
    ledger.save(cache_dir)
    return found


def add_stale(stale: dict[str, dict[str, dt.date]], status: StoryStatus) -> None:
    if status.state == "stale" and status.since:
        stale.setdefault(status.lang, {})[status.slug] = dt.date.fromisoformat(status.since)


def site_status(facts: Facts, content: Path, ledger: Ledger, today: str | None = None,
                catalogs: tuple[CatalogStatus, ...] = ()) -> Status:
    """Every story's and entity's state in every language but the default one. Git is asked
    only about stale stories; a stale one git cannot date is dated by the ledger."""
    today = today or dt.date.today().isoformat()
    per_story = [story_states(slug, story, content, facts.default, ledger, today) for slug, story in facts.stories.items()]
    return Status(worst_first([status for states in per_story for status in states]),
                  entity_states(facts.entities.values()), catalogs, tuple(map(row_key, per_story)))


def row_key(states: tuple[StoryStatus, ...]) -> str:
    """What the editors' page shows of one story's states (not the digests: a body edit of an
    unverified story changes nothing shown)."""
    rows = [(s.slug, s.lang, s.state, s.translation, s.since, s.diff) for s in states]
    return hashlib.sha1(repr(rows).encode()).hexdigest()


def story_states(slug: str, story: StoryFacts, content: Path, default: str, ledger: Ledger,
                 today: str) -> tuple[StoryStatus, ...]:
    found = []
    for lang, translation, translated_from in story.translations:
        state = translation_state(translation is not None, translated_from, story.digest)
        status = StoryStatus(slug, lang, state, story.original, translation, story.digest, translated_from)
        if state == "stale":
            status = _stale(status, content / "stories" / f"{slug}.{default}.md", default, ledger, today)
        found.append(status)
    return tuple(found)


STATE_RANK = {state: n for n, state in enumerate(STORY_STATES)}


def worst_first_key(status: StoryStatus) -> tuple[int, str, str]:
    return STATE_RANK[status.state], status.lang, status.slug


def worst_first(stories: list[StoryStatus]) -> tuple[StoryStatus, ...]:
    return tuple(sorted(stories, key=worst_first_key))


def entity_states(entities: Iterable[EntityFacts]) -> tuple[EntityStatus, ...]:
    found = [EntityStatus(e.id, e.type, lang, e.path, missing) for e in entities for lang, missing in e.lacking]
    return tuple(sorted(found, key=lambda e: (e.missing[0] != "name", e.lang, e.type, e.id)))


def _stale(status: StoryStatus, path: Path, default: str, ledger: Ledger, today: str) -> StoryStatus:
    found = git_history(path, status.translated_from, default)
    since, source = (found.since, "git") if found and found.since else (None, "cache")
    if since is None:
        since = ledger.seen_stale(status.lang, status.slug, status.translated_from, today)
    old = found.lines if found else ledger.texts.get((status.slug, status.translated_from))
    now = read_english(path, default)
    diff: tuple[str, ...] = ()
    if old is not None and now is not None:
        diff = tuple(difflib.unified_diff(old, now.lines(), f"{status.original} @ {status.translated_from}",
                                          f"{status.original} @ {status.digest}", n=1, lineterm=""))
    return replace(status, since=since, since_source=source, diff=diff)
