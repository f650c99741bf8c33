"""Entity `sources`: where an entity's names and facts were found (DESIGN.md, Entities).

Validated like every other field (exact `path:line:` problems, all at once) and listed on the
entity page, each title cited the way the page's language cites it (《》 in Chinese).
"""

from __future__ import annotations

import pytest

from conftest import PERSON, build_site
from pages import parse
from site_builder.assemble import assemble
from site_builder.load import load_content

PATH = "content/people/kang-sungcheon.yaml"
SOURCES = PERSON + """\
sources:
  - publisher: {zh: 威海仁川馆}
    title: {zh: 仁川馆一行赴渝出席代表会议}
    date: 2024-05-27
    url: https://example.com/report
  - publisher: iChongqing
    title: South Korea's GBSA Launches Its First China Innovation Center in Chongqing
"""
#  1 name        6     start: 2023   11     url
#  2 summary     7 sources:          12   - publisher
#  3 roles:      8   - publisher     13     title
#  4   - title   9     title
#  5     org    10     date


@pytest.fixture
def problems(problems):
    """problems(text) → conftest's `problems` with the person file PATH written as text."""
    return lambda text: problems({PATH: text})


def test_sources_are_read_into_the_model(make_site):
    root = make_site({PATH: SOURCES})
    site = assemble(load_content(root / "content"))
    first, second = site.entities["kang-sungcheon"].sources
    assert first.publisher.pick("zh", "en") == ("威海仁川馆", "zh")
    assert first.date.iso() == "2024-05-27" and first.url == "https://example.com/report"
    assert second.publisher.pick("zh", "en") == ("iChongqing", "en") and second.date is None


@pytest.mark.parametrize("edit, expected", [
    (("    title: {zh: 仁川馆一行赴渝出席代表会议}\n", ""), "8: sources: missing required key 'title'"),
    (("  - publisher: iChongqing\n    title", "  - title"), "12: sources: missing required key 'publisher'"),
    (("date: 2024-05-27", "date: 2024-02-30"), "10: sources.date: impossible date '2024-02-30'"),
    (("date: 2024-05-27", "date: last May"), "10: sources.date: expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got 'last May'"),
    (("url: https://example.com/report", "url: example.com"), "11: sources.url: expected an http(s) URL, got 'example.com'"),
    (("    date: 2024-05-27\n", "    dated: 2024-05-27\n"), "10: sources: unknown key 'dated' (did you mean 'date'?)"),
    (("title: {zh: 仁川馆一行赴渝出席代表会议}", "title: {zh: 仁川, ko: 인천}"), "9: sources.title: unknown language 'ko' (expected one of: en, zh)"),
])
def test_bad_sources_are_reported_at_their_lines(problems, edit, expected):
    assert SOURCES.count(edit[0]) == 1
    assert problems(SOURCES.replace(*edit)) == [f"{PATH}:{expected}"]


def test_sources_must_be_a_list_of_mappings(problems):
    assert problems(PERSON + "sources: iChongqing\n") == [
        f"{PATH}:7: sources: expected a list of sources, each a mapping with publisher and title"]
    assert problems(PERSON + "sources:\n  - iChongqing\n  - publisher: A\n") == [
        f"{PATH}:8: sources: expected a mapping of keys to values",
        f"{PATH}:9: sources: missing required key 'title'"]


def test_every_source_problem_of_a_file_is_reported_together(problems):
    text = SOURCES.replace("date: 2024-05-27", "date: 2024-13").replace("  - publisher: iChongqing\n", "  - ")
    assert problems(text) == [
        f"{PATH}:10: sources.date: impossible date '2024-13'",
        f"{PATH}:12: sources: missing required key 'publisher'",
    ]


def source_items(root, url):
    page = parse(root / "public" / url / "index.html")
    in_sources = lambda stack: any(a.get("class", "").startswith("panel entity-sources") for _, a in stack)  # noqa: E731
    return page, " ".join(page.text_in(in_sources).split())


def test_the_entity_page_lists_its_sources_in_each_language(make_site):
    root = make_site({PATH: SOURCES})
    build_site(root)
    page, en = source_items(root, "en/people/kang-sungcheon")
    assert en.startswith("Sources Where its names and facts were found.")
    assert "威海仁川馆 : 仁川馆一行赴渝出席代表会议 ," in en
    assert page.find("time", datetime="2024-05-27")
    assert "iChongqing : South Korea's GBSA Launches Its First China Innovation Center in Chongqing" in en
    assert page.find("a", href="https://example.com/report", rel="noopener")
    assert {"lang": "zh-Hans"} in [{"lang": a["lang"]} for a in page.find("cite") if "lang" in a]
    page, zh = source_items(root, "zh/people/kang-sungcheon")
    tight = zh.replace(" ", "")  # the parser joins text nodes with spaces
    assert "来源本条目的名称与事实出处。威海仁川馆：《仁川馆一行赴渝出席代表会议》，2024年5月27日" in tight
    assert "iChongqing：《SouthKorea'sGBSALaunchesItsFirstChinaInnovationCenterinChongqing》" in tight


def test_an_entity_without_sources_has_no_sources_panel(make_site):
    root = make_site()
    build_site(root)
    assert not parse(root / "public/en/people/kang-sungcheon/index.html").find("section", **{"aria-labelledby": "entity-sources-heading"})
