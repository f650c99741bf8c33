"""Problems found in content, collected across a whole run and reported together.

Every stage appends `Problem`s instead of raising on the first one, so an editor sees all
of them at once as `path:line: message`, sorted by file and line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from collections.abc import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        """One line, whatever a message quotes from the content (a key with a newline in it)."""
        return f"{self.path}:{self.line}: {self.message}".translate(ONE_LINE)


# Control characters a message may quote from content, shown escaped so a problem stays one line.
ONE_LINE = {c: repr(chr(c))[1:-1] for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029]}


class ContentError(Exception):
    """Raised once per run, carrying every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(map(str, self.problems)))


def suggest(word: str, known: Iterable[str], n: int = 3) -> str:
    """A ' (did you mean …?)' hint naming the closest known words, or ''.

    Compared without case, so 'EN' finds 'en' and 'Chongqing' finds 'chongqing'.
    """
    by_lower = {k.lower(): k for k in sorted(known)}
    close = difflib.get_close_matches(word.lower(), by_lower, n=n, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + ", ".join(f"'{by_lower[c]}'" for c in close) + "?)"


def hint(word: str, known: Iterable[str]) -> str:
    """For a word from a short fixed list: the closest ones, or else the whole list."""
    known = list(known)
    return suggest(word, known) or " (expected one of: " + ", ".join(known) + ")"
