"""Where a story body links entities: `[[id]]` and `[[id|text]]` outside code.

The scan finds code the way Python-Markdown does, so what is checked is what is linked.
"""

from __future__ import annotations

import re

from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import BACKTICK_RE, BacktickInlineProcessor

from site_builder.schema import Ref

WIKILINK_RE = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")

FENCED_BLOCK_RE = FencedBlockPreprocessor.FENCED_BLOCK_RE
BACKTICKS = BacktickInlineProcessor(BACKTICK_RE)
LIST_ITEM_RE = re.compile(r"^( *)(?:\d+\.|[*+-]) +")
QUOTE_RE = re.compile(r"^(?: {0,3}> ?)+")
HEADING_RE = re.compile(r"^ {0,3}#")


def scan_links(body: str, shown: str, first_line: int) -> tuple[Ref, ...]:
    """[[id]] and [[id|text]] where Python-Markdown will link them, with their lines."""
    text = body.expandtabs(4)
    if "[[" not in text:
        return ()
    if "`" in text or "~~~" in text or "    " in text:  # else there is no code to skip
        text = without_code(text)
    refs, line, counted = [], first_line, 0
    for match in WIKILINK_RE.finditer(text):
        at = match.start()
        if _escaped(text, at):
            continue
        line += text.count("\n", counted, at)
        counted = at
        refs.append(Ref(match.group(1).strip(), shown, line, match.group(0)))
    return tuple(refs)


def _escaped(text: str, at: int) -> bool:
    """Whether text[at] follows an odd run of backslashes: `\\[[x]]` is text, not a link."""
    start = at
    while start and text[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


def without_code(text: str) -> str:
    """`text` with its code blanked, found the way Python-Markdown finds it, lines kept.

    So that what is checked is what is rendered: fenced blocks (fenced_code's own
    pattern), indented code blocks (a block after a blank line, indented 4 spaces more
    than the list it is in, blockquote markers aside) and code spans (Python-Markdown's
    backtick processor, over a paragraph's lines; a heading or the edge of a blockquote
    ends a paragraph). An [[id]] in a raw HTML block is still checked, although
    Python-Markdown leaves it as text: stricter, never looser.
    """
    raw = FENCED_BLOCK_RE.sub(_blank, text).split("\n")
    quoted = [bool(QUOTE_RE.match(line)) for line in raw]
    lines = [QUOTE_RE.sub("", line) for line in raw]
    start, depth = 0, 0  # depth: how many lists the current block is nested in
    while start < len(lines):
        if not lines[start].strip():
            start += 1
            continue
        end = start + 1
        while (end < len(lines) and lines[end].strip() and quoted[end] == quoted[end - 1]
               and not HEADING_RE.match(lines[end]) and not HEADING_RE.match(lines[end - 1])):
            end += 1
        code_indent = " " * 4 * (depth + 1)
        code_end = start
        while code_end < end and lines[code_end].startswith(code_indent):
            lines[code_end] = ""
            code_end += 1
        if code_end > start:  # an indented code block; what follows it is a new block
            start = code_end
            continue
        if not lines[start].startswith("    "):  # not inside a list item
            depth = 0
        for line in lines[start:end]:
            item = LIST_ITEM_RE.match(line)
            if item and len(item.group(1)) < 4 * (depth + 1):
                depth = len(item.group(1)) // 4 + 1
        lines[start:end] = _blank_code_spans("\n".join(lines[start:end])).split("\n")
        start = end
    return "\n".join(lines)


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _blank_code_spans(block: str) -> str:
    """The block with its code spans blanked, found as Python-Markdown's own processor does."""
    index = 0
    while "`" in block and (match := BACKTICKS.compiled_re.search(block, index)):
        if match.group(1):  # escaped backslashes before a backtick: text
            index = match.end()
            continue
        start, end = BACKTICKS.find_code_spans(match.start(), block)
        if end is None:  # an unmatched run of backticks: text
            index = start
            continue
        index = end + (start - match.start())
        block = block[: match.start()] + re.sub(r"[^\n]", " ", block[match.start() : index]) + block[index:]
    return block
