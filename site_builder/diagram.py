"""An entity's relationship diagram as inline SVG, laid out at build time (no script, no CDN).

Input: the entity's label and its related entities in groups (part of, based in, roles…,
named with), each node a label, a link and a type; output: SVG markup. The layout is a hub
and a column — the entity on the left, one row per related entity on the right, grouped under
a small heading, each joined to the hub by a curve — because a column stays readable on a
375 px phone, where a ring of labels would shrink to nothing. The drawing is 336 units wide
and shown at that size or a little smaller, so its text is never scaled up or far down.

The SVG is hidden from assistive technology and its links are out of the tab order: the
entity page lists the same relations as text (dossier.py gives both the same nodes).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 336
HUB_X, HUB_WIDTH = 2, 118
COLUMN_X = 156
COLUMN_WIDTH = WIDTH - COLUMN_X - 2
NODE_HEIGHT, NODE_GAP, HEADING_HEIGHT, GROUP_GAP = 26, 5, 18, 8
FONT, HUB_FONT = 12.0, 13.0  # px; width estimates below assume the site's sans-serif


@dataclass(frozen=True)
class Node:
    label: str
    href: str
    type: str  # person, org or place: the node's colour
    lang: str = ""  # the label's language when it is not the page's (a fallback name)


@dataclass(frozen=True)
class Group:
    heading: str
    nodes: tuple[Node, ...]


def text_width(text: str, size: float) -> float:
    """Roughly how wide `text` is: wide (CJK) characters one em, others about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in text)


def fit(text: str, width: float, size: float) -> str:
    """The text, cut with an ellipsis where it would overflow `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, size: float, lines: int) -> list[str]:
    """Up to `lines` lines of at most `width`: at spaces for Latin, anywhere for CJK."""
    words = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    result, line = [], ""
    for word in words:
        candidate = f"{line}{joiner}{word}" if line else word
        if text_width(candidate, size) <= width or not line:
            line = candidate
        else:
            result.append(line)
            line = word
    result.append(line)
    if len(result) > lines:
        result = result[: lines - 1] + [fit(joiner.join(result[lines - 1:]), width, size)]
    return [fit(line, width, size) for line in result]


def attr_lang(lang: str) -> str:
    return f' lang="{escape(lang)}"' if lang else ""


def render(hub: Node, groups: tuple[Group, ...], more: str = "", title: str = "") -> Markup:
    """The SVG for a hub and its groups; `more` is a line under the column ("4 more…")."""
    rows: list[str] = []
    edges: list[str] = []
    y = 0.0
    for group in groups:
        if not group.nodes:
            continue
        rows.append(f'<text class="diagram-heading" x="{COLUMN_X}" y="{y + 12:.0f}">{escape(group.heading)}</text>')
        y += HEADING_HEIGHT
        for node in group.nodes:
            label = fit(node.label, COLUMN_WIDTH - 16, FONT)
            middle = y + NODE_HEIGHT / 2
            rows.append(
                f'<a href="{escape(node.href)}" tabindex="-1" class="diagram-node node-{escape(node.type)}">'
                f'<title>{escape(node.label)}</title>'
                f'<rect x="{COLUMN_X}" y="{y:.0f}" width="{COLUMN_WIDTH}" height="{NODE_HEIGHT}" rx="5"/>'
                f'<text x="{COLUMN_X + 8}" y="{middle + 4:.0f}"{attr_lang(node.lang)}>{escape(label)}</text></a>')
            edges.append(middle)
            y += NODE_HEIGHT + NODE_GAP
        y += GROUP_GAP
    if more:
        rows.append(f'<text class="diagram-more" x="{COLUMN_X}" y="{y + 10:.0f}">{escape(more)}</text>')
        y += HEADING_HEIGHT
    lines = wrap(hub.label, HUB_WIDTH - 16, HUB_FONT, 4)
    hub_height = 16 + 17 * len(lines)
    height = max(y, hub_height + 8)
    hub_y = (height - hub_height) / 2
    hub_middle = hub_y + hub_height / 2
    start = HUB_X + HUB_WIDTH
    paths = [f'<path d="M{start} {hub_middle:.0f}C{start + 24} {hub_middle:.0f} {COLUMN_X - 24} {m:.0f} {COLUMN_X} {m:.0f}"/>'
             for m in edges]
    hub_text = "".join(f'<tspan x="{HUB_X + 8}" dy="{17 if i else 0}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    svg = (
        f'<svg class="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" aria-hidden="true" focusable="false">'
        + (f"<title>{escape(title)}</title>" if title else "")
        + f'<g class="diagram-edges">{"".join(paths)}</g>'
        f'<g class="diagram-hub node-{escape(hub.type)}"><rect x="{HUB_X}" y="{hub_y:.0f}" width="{HUB_WIDTH}" '
        f'height="{hub_height}" rx="7"/><text y="{hub_y + 21:.0f}"{attr_lang(hub.lang)}>{hub_text}</text></g>'
        + "".join(rows) + "</svg>"
    )
    return Markup(svg)
