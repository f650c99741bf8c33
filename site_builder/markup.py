"""Story bodies: Markdown → sanitised HTML, cached by content hash.

Python-Markdown renders the body once per distinct text, whatever page or language shows
it: `[[id]]` links become placeholders, and `link_entities` turns them into real links
with the entity's name in the page's language and a URL relative to the page. The cache
therefore never depends on names, languages or page locations.
"""

from __future__ import annotations

import errno
import hashlib
import html
import os
import re
import signal
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor

from site_builder import trust
from site_builder.trust import UnreadableCache
from site_builder.wikilinks import WIKILINK_RE  # one pattern: what is checked is what is linked

# Bump when rendering changes, so cached HTML from older code is not reused.
MARKUP_VERSION = "1"
LINK_OPEN, LINK_MID, LINK_CLOSE = "\ue000", "\ue001", "\ue002"
PLACEHOLDER_RE = re.compile(f"{LINK_OPEN}([^{LINK_MID}]*){LINK_MID}([^{LINK_CLOSE}]*){LINK_CLOSE}")
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"section"}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "li": {"value"},
    "time": {"datetime"},
}


class WikiLinkProcessor(InlineProcessor):
    """[[id]] / [[id|text]] → a placeholder resolved per page by `link_entities`."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Python-Markdown's name)
        return f"{LINK_OPEN}{m.group(1).strip()}{LINK_MID}{m.group(2) or ''}{LINK_CLOSE}", m.start(0), m.end(0)


class WikiLinkExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After code spans (190) and escapes (180), before links (160) and references (170).
        md.inlinePatterns.register(WikiLinkProcessor(WIKILINK_RE.pattern, md), "wikilink", 175)


def new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "fenced_code", "footnotes", "sane_lists", "toc", WikiLinkExtension()],
        extension_configs={
            "toc": {"slugify": slugify_unicode, "permalink": False},
        },
        output_format="html",
    )


def sanitise(raw_html: str) -> str:
    """Drop scripts, event handlers and javascript: URLs from author HTML."""
    return nh3.clean(raw_html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener",
                     filter_style_properties={"text-align"})


def render_markdown(body: str, md: markdown.Markdown | None = None) -> str:
    md = md or new_markdown()
    md.reset()
    return sanitise(md.convert(body))


def body_key(body: str) -> str:
    return hashlib.sha1(f"{MARKUP_VERSION}\0{body}".encode("utf-8")).hexdigest()


def link_entities(body_html: str, resolve: Callable[[str], tuple[str, str, str] | None]) -> str:
    """Replace placeholders by links; `resolve(id)` gives (href, name, name's lang) or None."""
    def link(m: re.Match) -> str:
        found = resolve(m.group(1))
        label = m.group(2)
        if found is None:
            return label or html.escape(m.group(1))
        href, name, lang = found
        text = label or html.escape(name)
        lang_attr = f' lang="{lang}"' if lang and not label else ""
        return f'<a class="entity-link" href="{html.escape(href)}"{lang_attr}>{text}</a>'
    return PLACEHOLDER_RE.sub(link, body_html)


STORE_VERSION = 2  # PRAGMA user_version of markdown.sqlite: a store of another layout is rebuilt


class MarkdownCache:
    """Rendered bodies keyed by `body_key`, on disk (SQLite) so a rebuild renders only new
    text, or in memory when there is no cache directory. Pages read their body from here one
    at a time, so no process holds every body; a forked process opens its own connection.

    Each row is sealed (trust.row_mac): its HTML goes into pages as it is, so a row this
    user's builder did not write, or a damaged one, is never used. A store that cannot be
    opened, or of another version or user, is replaced at once with a note; a bad row found
    while rendering raises `UnreadableCache`, and `build` replaces the store and runs again.

    `read_only` (for `check`, which writes nothing): an existing store is read, never
    written or created; bodies it lacks are kept in memory, and a store that fails its check
    is left alone and not used."""

    def __init__(self, path: Path | None, read_only: bool = False):
        self.read_only = read_only
        usable = path is not None and trust.key() is not None and (not read_only or path.is_file())
        self.path = path if usable else None
        self.memory: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        # Names this store: bodies are never removed from it, so a model whose bodies were all
        # in the store with this identity needs no look at its 20,000 keys (state.py's snapshot).
        self.identity = uuid.uuid4().hex
        if self.path is None:
            return
        try:
            self._open(existed=self.path.exists())
        except sqlite3.DatabaseError:  # damaged, of another version, or another user's
            if read_only:
                self.close()
                self.path = None
                return
            self._discard()
            self._open(existed=False)

    def _open(self, existed: bool) -> None:
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self.db
        if not self.read_only:
            db.execute("PRAGMA journal_mode=WAL")  # worker processes write while others read
        if db.execute("PRAGMA user_version").fetchone()[0] != STORE_VERSION:
            if existed or self.read_only:
                raise sqlite3.DatabaseError("a store of another version")
            with db:
                db.execute("CREATE TABLE body (key TEXT PRIMARY KEY, html TEXT NOT NULL, mac TEXT NOT NULL)")
                db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute("INSERT INTO meta VALUES ('identity', ?), ('seal', ?)",
                           (self.identity, trust.row_mac("identity", self.identity)))
                db.execute(f"PRAGMA user_version = {STORE_VERSION}")
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        if not trust.row_ok("identity", meta.get("identity", ""), meta.get("seal")):
            raise sqlite3.DatabaseError("a store this user's builder did not make")
        self.identity = meta["identity"]

    def _discard(self) -> None:
        trust.note_unreadable(self.path)
        self.close()
        self._pid = 0
        remove_store(self.path)

    @property
    def db(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._pid != os.getpid():  # never share a connection across fork
            if self.read_only:  # no lock, no journal, nothing created beside it
                self._db = sqlite3.connect(self.path.resolve().as_uri() + "?immutable=1", uri=True)
            else:
                self._db = sqlite3.connect(self.path, timeout=120)
            self._pid = os.getpid()
        return self._db

    def _rows(self, sql: str, args: Iterable[str]) -> list[tuple]:
        try:
            return self.db.execute(sql, tuple(args)).fetchall()
        except sqlite3.DatabaseError:
            raise UnreadableCache.at(self.path) from None

    def get(self, key: str) -> str:
        if key in self.memory or self.db is None:
            return self.memory[key]
        rows = self._rows("SELECT html, mac FROM body WHERE key = ?", [key])
        if not rows:
            raise KeyError(key)
        html_, mac = rows[0]
        if not trust.row_ok(key, html_, mac):
            raise UnreadableCache.at(self.path)
        return html_

    def missing(self, keys: Iterable[str]) -> list[str]:
        keys = [k for k in keys if k not in self.memory]
        if self.db is None:
            return keys
        present: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            present.update(key for (key,) in self._rows(f"SELECT key FROM body WHERE key IN ({','.join('?' * len(chunk))})", chunk))
        return [k for k in keys if k not in present]

    def put_many(self, items: dict[str, str]) -> None:
        if not items:
            return
        if self.db is None or self.read_only:
            self.memory.update(items)
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO body VALUES (?, ?, ?)",
                                    [(k, v, trust.row_mac(k, v)) for k, v in items.items()])
        except sqlite3.OperationalError as bad:  # a full disk, a read-only directory: the machine's
            code = errno.ENOSPC if "full" in str(bad) else errno.EACCES if "readonly" in str(bad) else errno.EIO
            raise OSError(code, str(bad), str(self.path)) from None
        except sqlite3.DatabaseError:
            raise UnreadableCache.at(self.path) from None

    def count(self) -> int:
        stored = self._rows("SELECT count(*) FROM body", [])[0][0] if self.db is not None else 0
        return stored + len(self.memory)

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
            self._db = None

    def __enter__(self) -> MarkdownCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_store(path: Path) -> None:
    """Delete an SQLite store with its write-ahead log and shared-memory index."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        path.with_name(name).unlink(missing_ok=True)


def render_missing(bodies: Iterable[str], cache: MarkdownCache, known: dict[str, str]) -> int:
    """Render into the cache every body it lacks (taking those in `known` as rendered);
    returns how many were added."""
    by_key = {body_key(b): b for b in bodies}
    md = new_markdown()
    new = {k: known[k] if k in known else render_markdown(by_key[k], md) for k in cache.missing(by_key)}
    cache.put_many(new)
    return len(new)


def render_story_files(paths: list[str], cache_path: str | None, read_only: bool = False) -> dict[str, str]:
    """In a worker process, while the parent parses YAML: render the bodies of these story
    files that the cache lacks. Reads the files itself, so it can start before loading ends;
    with an on-disk cache it stores them there and returns nothing, so that no process ever
    holds every body."""
    from site_builder.load import read_text, split_front_matter

    bodies: dict[str, str] = {}
    for path in paths:
        ignored: list = []  # problems are the parent's to report, when it loads the same file
        text, _ = read_text(Path(path), path, ignored)
        parts = split_front_matter(text, path, ignored) if text is not None else None
        if parts:
            bodies[body_key(parts[1])] = parts[1]
    cache = MarkdownCache(Path(cache_path) if cache_path else None, read_only)
    try:
        md = new_markdown()
        new = {k: render_markdown(bodies[k], md) for k in cache.missing(bodies)}
        if cache.db is None or read_only:
            return new
        cache.put_many(new)
        return {}
    finally:
        cache.close()


class EarlyBodies:
    """Every story body rendered in worker processes while this process parses YAML, when
    the cache is mostly cold: Python-Markdown is a cold build's largest cost (~2.5 ms a
    body), and the workers read the story files themselves, so they need not wait for loading.
    `start()` them (or not: then `collect()` has nothing); as a context manager, the workers
    are stopped on the way out, whatever happened."""

    def __init__(self) -> None:
        self.pool: Pool | None = None
        self.pending: AsyncResult | None = None

    def start(self, stories: Path, cache: MarkdownCache, jobs: int) -> None:
        paths = sorted(str(p) for p in stories.glob("*.md")) if stories.is_dir() else []
        if jobs < 2 or len(paths) < 200 or cache.count() > len(paths) // 2:
            return
        self.pool = get_context("fork").Pool(jobs, signal.signal, (signal.SIGINT, signal.SIG_IGN))  # Ctrl-C: the parent's
        size = max(50, len(paths) // (jobs * 8))
        chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
        cache_path = str(cache.path) if cache.path else None
        self.pending = self.pool.starmap_async(render_story_files, [(chunk, cache_path, cache.read_only) for chunk in chunks],
                                               chunksize=1)

    def collect(self) -> dict[str, str]:
        """Wait for the workers; the bodies they rendered that are not in the cache already
        (an on-disk cache has them all: the workers stored them)."""
        known = {key: html for part in self.pending.get() for key, html in part.items()} if self.pending else {}
        self.stop()
        self.pending = None
        return known

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __enter__(self) -> EarlyBodies:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
