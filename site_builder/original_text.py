"""An original story's translatable text: what a translation's `translated_from` digest is
taken of (title, summary, event titles, body; every run of whitespace one space), the same
text as lines for a diff, and that text read back from a story file as it is now or was at a
commit. translations.py compares translations with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from site_builder.model import StoryVersion, Text
from site_builder.schema import DIGEST_LENGTH

# A line of a Markdown block that starts a new line in the diff (list items, quotes, table
# rows, headings, fences, footnotes); other line breaks inside a paragraph are soft.
BLOCK_START = re.compile(r"(?:[-*+]\s|>|\||#|\d+[.)]\s|```|~~~|\[\^)")


def text_digest(title: str, summary: str, event_titles: Iterable[str], body: str) -> str:
    """The digest `translated_from` holds: whitespace runs are one space, so only words count."""
    parts = [title, summary, *event_titles, body]
    joined = "\x00".join(" ".join(part.split()) for part in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def version_digest(version: StoryVersion, body: str) -> str:
    """An original's `text_digest`, from the model (the texts in the body's language)."""
    lang = version.body_lang

    def pick(text: Text) -> str:
        return text.pick(lang, lang)[0]

    return text_digest(pick(version.title), pick(version.summary), (pick(e.title) for e in version.events), body)


def text_lines(title: str, summary: str, event_titles: Iterable[str], body: str) -> tuple[str, ...]:
    """The same text as lines for a diff: one per field and per Markdown block or list item."""
    lines = [f"title: {' '.join(title.split())}", f"summary: {' '.join(summary.split())}"]
    lines += [f"event {i}: {' '.join(t.split())}" for i, t in enumerate(event_titles, 1)]
    lines.append("body:")
    current: list[str] = []
    for raw in body.split("\n"):
        line = " ".join(raw.split())
        if current and (not line or BLOCK_START.match(line)):
            lines.append(" ".join(current))
            current = []
        if line:
            current.append(line)
    if current:
        lines.append(" ".join(current))
    return tuple(lines)


@dataclass(frozen=True)
class EnglishText:
    """An original's translatable text as a file (now, or at a commit) has it."""

    title: str
    summary: str
    event_titles: tuple[str, ...]
    body: str

    @property
    def digest(self) -> str:
        return text_digest(self.title, self.summary, self.event_titles, self.body)

    def lines(self) -> tuple[str, ...]:
        return text_lines(self.title, self.summary, self.event_titles, self.body)


def english_text(text: str, lang: str) -> EnglishText | None:
    """Read a story file's translatable text leniently (an old version need not be valid
    today): YAML as plain values, a map's `lang` entry or a plain string."""
    if not text.startswith("---\n"):
        return None
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if not end:
        return None
    try:
        front = yaml.safe_load(text[4 : 4 + end.start()]) or {}
    except yaml.YAMLError:
        return None
    if not isinstance(front, dict):
        return None

    def pick(value: object) -> str:  # as model.Text.pick: this language, else the first by code
        if isinstance(value, dict):
            value = value.get(lang, value[min(value, key=str)] if value else "")
        return "" if value is None else str(value)

    events = front.get("events") if isinstance(front.get("events"), list) else []
    titles = tuple(pick(e.get("title")) for e in events if isinstance(e, dict))
    body = text[4 + end.end() + 1 :]
    return EnglishText(pick(front.get("title")), pick(front.get("summary")), titles, body)


def read_english(path: Path, lang: str) -> EnglishText | None:
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError):
        return None
    return english_text(text, lang)
