"""Entity pages as dossiers: the at-a-glance box, key dates, and the relationship diagram
(inline SVG, every node a link) with its text list naming the same entities."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import build_site
from pages import parse, resolve, url_of
from site_builder import diagram
from site_builder.dossier import MAX_NODES

SVG = "{http://www.w3.org/2000/svg}"
UNITS = {f"content/orgs/unit-{n:02d}.yaml": f"name: {{en: Unit {n}}}\nkind: department\nparent: gbsa\n" for n in range(1, 21)}
MANY_EVENTS = "".join(f"  - date: {2000 + n}\n    title: {{en: Event number {n}, zh: 第{n}号事件}}\n    places: [chongqing]\n" for n in range(10))
BUSY_STORY = f"""\
---
title: A story with many events
date: 2021-03-04
summary: Ten dated events in Chongqing.
source:
  publisher: Test
  title: Test
people: [kang-sungcheon]
places: [chongqing]
events:
{MANY_EVENTS}---
Text.
"""
FORMER = """\
name: {en: Kim Former, zh: 金前任}
roles:
  - title: {en: President, zh: 院长}
    org: gbsa
    start: 2019
    end: 2022-06
  - title: {en: Adviser}
    org: gbsa
    start: 2022-07
"""


def svg_of(path: Path) -> ET.Element:
    text = path.read_text("utf-8")
    found = re.search(r'<svg class="diagram".*?</svg>', text, re.S)
    assert found, f"{path}: no diagram"
    return ET.fromstring(found.group(0))


def diagram_targets(public: Path, path: Path) -> list[str]:
    """The site paths the diagram's nodes link to, checking each is a built page."""
    targets = []
    for a in svg_of(path).iter(f"{SVG}a"):
        assert a.get("tabindex") == "-1", "diagram links are out of the tab order (the list has them)"
        file, _ = resolve(public, url_of(public, path), a.get("href"), "/briefing/")
        assert file.is_file(), f"{path}: node {a.get('href')} does not resolve"
        targets.append(url_of(public, file))
    return targets


def list_targets(public: Path, path: Path) -> list[str]:
    text = path.read_text("utf-8")
    block = text.split('<ul class="connection-list">', 1)[1].split("</ul>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', block)
    return [url_of(public, resolve(public, url_of(public, path), h, "/briefing/")[0]) for h in hrefs]


def test_every_entity_page_has_a_diagram_whose_nodes_are_links_matching_its_list(make_site):
    root = make_site({"content/people/kim-former.yaml": FORMER})
    build_site(root)
    public = root / "public"
    pages = sorted(public.glob("*/people/*/index.html")) + sorted(public.glob("*/orgs/*/index.html")) + \
        sorted(public.glob("*/places/*/index.html"))
    assert len(pages) == 12
    for path in pages:
        svg = svg_of(path)
        assert svg.get("aria-hidden") == "true" and svg.get("width") == str(diagram.WIDTH)
        targets = diagram_targets(public, path)
        assert targets == list_targets(public, path), f"{path}: the list and the drawing differ"
        assert url_of(public, path) not in targets
        lang = url_of(public, path).split("/")[0]
        assert all(t.startswith(f"{lang}/") for t in targets)
    gbsa = diagram_targets(public, public / "zh/orgs/gbsa/index.html")
    assert gbsa[:3] == ["zh/places/gyeonggi/", "zh/people/kang-sungcheon/", "zh/people/kim-former/"]
    labels = [t.text for t in svg_of(public / "zh/orgs/gbsa/index.html").iter(f"{SVG}text")]
    assert "京畿道" in labels and "任职机构" not in labels and "人物" in labels


def test_the_diagram_caps_its_nodes_and_says_how_many_are_left_out(make_site):
    root = make_site(UNITS)
    build_site(root)
    path = root / "public/en/orgs/gbsa/index.html"
    targets = diagram_targets(root / "public", path)
    assert len(targets) == MAX_NODES
    related = [t for t in targets if not t.startswith("en/orgs/unit-")]
    assert "en/places/gyeonggi/" in related and "en/people/kang-sungcheon/" in related
    assert "en/places/chongqing/" in related, "co-mentions keep a share when the entity files could fill the diagram"
    shown_units = len(targets) - len(related)
    more = [t.text for t in svg_of(path).iter(f"{SVG}text") if t.get("class") == "diagram-more"]
    assert more == [f"and {20 - shown_units} more, listed below"]
    page = parse(path)
    assert f"and {20 - shown_units} more, listed below" in page.text()
    assert len(page.find("a", href="../../orgs/unit-20/")) == 1, "the full list of units is still on the page"


def test_the_box_tells_who_what_and_when(make_site):
    root = make_site({"content/people/kim-former.yaml": FORMER, "content/stories/busy.en.md": BUSY_STORY})
    build_site(root)
    public = root / "public"
    kim = (public / "en/people/kim-former/index.html").read_text("utf-8")
    box = kim.split('<div class="glance">', 1)[1].split("</div>\n  </div>", 1)[0]
    facts = dict(re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", box, re.S))
    assert re.sub("<[^>]+>", "", facts["Name (English)"]) == "Kim Former" and facts["Name (Chinese)"] == "金前任"
    assert "Adviser" in facts["Roles now"] and "since 2022年" not in facts["Roles now"] and "July 2022" in facts["Roles now"]
    assert "President" in facts["Roles before"] and "2019\u2009–\u20092022" in facts["Roles before"]
    assert "0 stories" in facts["Stories"]

    chongqing = parse(public / "zh/places/chongqing/index.html")
    text = chongqing.text()
    assert "首次提及" in text and "2019年12月10日" in text and "2024年5月9日" in text
    assert "3 篇报道" in text or "3篇报道" in text
    # Key dates: the oldest three and newest five of its twelve events, and the gap between.
    page = (public / "zh/places/chongqing/index.html").read_text("utf-8")
    key = page.split('<ol class="key-date-list">', 1)[1].split("</ol>", 1)[0]
    assert key.count("<li>") == 8 and "另有4个日期，见下方时间线" in key
    assert key.index("第0号事件") < key.index("第2号事件") < key.index("另有4个日期") < key.index("第9号事件")
    assert "第3号事件" not in key and "第3号事件" in page.split('id="timeline-heading"', 1)[1]


def test_diagram_layout_is_pure_and_fits_long_names():
    hub = diagram.Node("Gyeonggi Business & Science Accelerator Innovation Centre", "x/", "org")
    groups = (diagram.Group("Part of", (diagram.Node("A very long organisation name that cannot fit in a row", "a/", "org"),)),
              diagram.Group("Named with", (diagram.Node("重庆市人民政府外事办公室国际交流合作处", "b/", "org", "zh-Hans"),)))
    one, two = diagram.render(hub, groups, "and 3 more"), diagram.render(hub, groups, "and 3 more")
    assert one == two
    svg = ET.fromstring(str(one))
    for text in svg.iter(f"{SVG}text"):
        if text.get("class") is None and text.text:
            assert diagram.text_width(text.text, diagram.FONT) <= diagram.COLUMN_WIDTH - 16
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert "A very long organisation name that cannot fit in a row" in titles, "the full name is kept as a tooltip"
    assert len(list(svg.iter(f"{SVG}tspan"))) <= 4
    assert diagram.text_width("重庆", 12) == 24 and diagram.text_width("ab", 10) < 12
