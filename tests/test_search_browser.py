"""Search on the built bundled site, in a real browser (Playwright + Debian's chromium).

Each query is typed as a reader would reach it (`/L/search/?q=…`) and must find its page among
the first three results. Chinese names of two and three characters are the case Pagefind's
browser-side segmentation gets wrong (CloudCannon/pagefind#1237): the exact-name list in front
of the full-text results is what makes them pass.
"""

from __future__ import annotations

import json
import shutil
from urllib.parse import quote

import pytest

from conftest import REPO, build
from sites import AXE_JS, browser, build_real, need, serve  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# (language, query, the page that must be among the first three results)
QUERIES = [
    ("en", "KOTRA", "orgs/kotra/"),
    ("en", "Korea Trade-Investment Promotion Agency", "orgs/kotra/"),
    ("en", "GBSA", "orgs/gbsa/"),
    ("en", "Gyeonggido Business & Science Accelerator", "orgs/gbsa/"),
    ("en", "Lee Jae-myung", "people/lee-jae-myung/"),
    ("en", "lee jae myung", "people/lee-jae-myung/"),
    ("en", "Governor Lee", "people/lee-jae-myung/"),
    ("en", "Mayor Tang", "people/tang-liangzhi/"),
    ("en", "Park Bo-saeng", "people/park-bo-saeng/"),
    ("en", "Kang Sungcheon", "people/kang-sungcheon/"),
    ("en", "Chongqing", "places/chongqing/"),
    ("en", "Gyeonggi", "places/gyeonggi/"),
    ("en", "Gimcheon", "places/gimcheon/"),
    ("en", "Liangjiang New Area", "orgs/liangjiang-new-area/"),
    ("en", "Hankook Tire", "orgs/hankook-tire/"),
    ("en", "1.96", "stories/gbsa-chongqing-representative-interview/"),
    ("en", "big data", "stories/gyeonggi-chongqing-new-door-2019/"),
    ("en", "consular officials", "stories/consular-tour-western-chongqing-2024/"),
    ("en", "ceramic arts", "places/gimcheon-ceramic-arts-museum/"),
    ("en", "exchange hub", "stories/chengdu-korean-partners-2016/"),
    ("en", "chipmaker", "orgs/sk-hynix/"),
    ("en", "李在明", "people/lee-jae-myung/"),  # a Chinese name on the English site
    ("zh", "李在明", "people/lee-jae-myung/"),  # three characters
    ("zh", "唐良智", "people/tang-liangzhi/"),  # three characters: Pagefind alone finds nothing
    ("zh", "谁是李在明", "people/lee-jae-myung/"),  # a question around the name
    ("zh", "重庆", "places/chongqing/"),  # two characters
    ("zh", "釜山", "places/busan/"),
    ("zh", "金泉", "places/gimcheon/"),
    ("zh", "京畿道", "places/gyeonggi/"),
    ("zh", "两江新区", "orgs/liangjiang-new-area/"),  # Pagefind alone ranks a story first
    ("zh", "重庆两江新区", "orgs/liangjiang-new-area/"),  # without a space
    ("zh", "重庆 两江新区", "orgs/liangjiang-new-area/"),  # with one
    ("zh", "李在明 唐良智", "people/tang-liangzhi/"),
    ("zh", "大韩贸易投资振兴公社", "orgs/kotra/"),
    ("zh", "韩泰轮胎", "orgs/hankook-tire/"),
    ("zh", "渝新欧", "orgs/yuxinou/"),
    ("zh", "半导体", "orgs/sk-hynix/"),
    ("zh", "大数据", "stories/gyeonggi-chongqing-new-door-2019/"),
    ("zh", "KOTRA", "orgs/kotra/"),
    ("zh", "朴宝生", "people/park-bo-saeng/"),  # three characters
    ("zh", "谁是朴宝生", "people/park-bo-saeng/"),
    ("zh", "朴耘本", "people/park-unbon/"),
    ("zh", "京畿道经济科学振兴院", "orgs/gbsa/"),
    ("zh", "GBSA", "orgs/gbsa/"),
    ("en", "京畿道经济科学振兴院", "orgs/gbsa/"),
    ("zh", "Governor Lee", "people/lee-jae-myung/"),
]


@pytest.fixture(scope="module", params=["one bundle", "shards"])
def site(request, tmp_path_factory):
    """The bundled site as built (one bundle), and with its index split into shards that the
    browser merges (as a large site's is): every test must pass on both."""
    root = tmp_path_factory.mktemp("search")
    if request.param == "one bundle":
        public = build_real(root)
    else:
        content = root / "content"
        shutil.copytree(REPO / "content", content)
        with (content / "site.yaml").open("a", encoding="utf-8") as config:
            config.write("\nsearch_shard_size: 60\n")
        build(root, content=content, templates=REPO / "templates")
        public = root / "public"
        assert len(json.loads((public / "pagefind/shards.json").read_text("utf-8"))) >= 3
    with serve(public) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser):
    """One tab for the queries: Pagefind's files stay cached between them, as for a reader."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors


def results(page, url: str) -> tuple[str, list[str]]:
    """Open a search URL; (the status line, result links as site paths)."""
    page.goto(url)
    page.wait_for_function("() => { const s = document.querySelector('.search-status');"
                           " return s && s.textContent && !s.textContent.endsWith('…'); }")
    root = url.split("/en/")[0].split("/zh/")[0] + "/"
    links = [a.get_attribute("href") for a in page.locator(".search-result > a").all()]
    return page.locator(".search-status").text_content(), [link.removeprefix(root) for link in links]


@pytest.mark.parametrize(("lang", "query", "expected"), QUERIES, ids=[f"{l}:{q}" for l, q, _ in QUERIES])
def test_query_finds_its_page_among_the_first_three(site, page, lang, query, expected):
    status, found = results(page, f"{site}{lang}/search/?q={quote(query)}")
    assert f"{lang}/{expected}" in found[:3], (status, found[:5])


def test_at_least_thirty_queries_in_both_languages():
    assert len(QUERIES) >= 30
    assert {lang for lang, _, _ in QUERIES} == {"en", "zh"}
    assert any(len(q) == 2 for lang, q, _ in QUERIES if lang == "zh")
    assert any(len(q) == 3 for lang, q, _ in QUERIES if lang == "zh")


@pytest.mark.parametrize(("lang", "message"), [("en", "No results for “qzxvk”."), ("zh", "未找到与“qzxvk”相关的结果。")])
def test_no_match_says_so_in_the_page_language(site, page, lang, message):
    status, found = results(page, f"{site}{lang}/search/?q=qzxvk")
    assert (status, found) == (message, [])


def test_results_show_kind_date_and_highlighted_snippet(site, page):
    results(page, f"{site}en/search/?q=Liangjiang")
    story = page.locator(".search-result.result-story").first
    assert "Story ·" in story.locator(".result-meta").text_content()
    assert "2024" in story.locator(".result-meta").text_content()
    assert story.locator("mark").first.text_content().lower().startswith("liangjiang")
    org = page.locator(".search-result.result-org").first
    assert org.locator(".result-meta").text_content() == "Organisation"


def test_filter_chips_narrow_the_results_and_live_in_the_url(site, page):
    status, everything = results(page, f"{site}zh/search/?q={quote('重庆')}")
    page.get_by_role("button", name="报道", exact=True).click()
    page.wait_for_url("**kind=story**")
    page.wait_for_function("() => [...document.querySelectorAll('.search-result')].every(li => li.matches('.result-story'))")
    stories = page.locator(".search-result").count()
    assert 0 < stories < len(everything) or 0 < stories < int("".join(filter(str.isdigit, status)))
    page.reload()  # the query and the filter survive a reload
    page.wait_for_selector(".search-result")
    assert page.locator("#search-q").input_value() == "重庆"
    assert page.get_by_role("button", name="报道", exact=True).get_attribute("aria-pressed") == "true"
    assert all("result-story" in (li.get_attribute("class") or "") for li in page.locator(".search-result").all())


def test_header_box_works_with_the_keyboard_only(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(f"{site}en/stories/")
    tab.keyboard.press("Tab")  # skip link
    tab.keyboard.press("Tab")  # site title
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "site-search-q"
    tab.keyboard.type("GBSA")
    tab.wait_for_selector("#site-search-popup .search-option")
    assert tab.get_attribute("#site-search-q", "aria-expanded") == "true"
    tab.keyboard.press("ArrowDown")
    active = tab.get_attribute("#site-search-q", "aria-activedescendant")
    assert tab.get_attribute(f"#{active}", "aria-selected") == "true"
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url == f"{site}en/orgs/gbsa/"
    tab.focus("#site-search-q")  # Enter without choosing opens the search page with the query
    tab.keyboard.type("重庆")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url == f"{site}en/search/?q={quote('重庆')}"
    context.close()


def test_search_files_load_only_when_a_reader_starts_to_search(site, browser):
    """Before anyone searches a page loads site.css and site.js only (< 50 KB together);
    search.js, Pagefind and its index come when the box is focused."""
    context = browser.new_context()
    tab = context.new_page()
    loaded: list[tuple[str, int]] = []
    tab.on("requestfinished", lambda r: loaded.append((r.url, r.sizes()["responseBodySize"])))
    tab.goto(f"{site}zh/stories/gbsa-china-innovation-centre-liangjiang/")
    tab.wait_for_load_state("networkidle")
    assets = {url.rsplit("/", 1)[-1]: size for url, size in loaded if url.endswith((".css", ".js"))}
    assert set(assets) == {"site.css", "site.js"}
    assert sum(assets.values()) < 50_000
    assert not any("/pagefind/" in url for url, _ in loaded)
    tab.focus("#site-search-q")
    tab.wait_for_load_state("networkidle")
    # Loaded once focused (the resource timings, not `requestfinished`, which can come later).
    tab.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('pagefind.js'))"
                          " && performance.getEntriesByType('resource').some(e => e.name.endsWith('/static/search.js'))")
    context.close()


def test_a_search_fetches_only_the_names_files_of_its_letters(site, browser):
    """The exact-name list is in files by first letter (whole, 281 KB at 10,000 stories): a
    one-word search fetches one of them, a Chinese query those of its characters, and the
    names are still found (search.py `name_bucket`, search.js `buckets`)."""
    context = browser.new_context()
    tab = context.new_page()
    fetched = ("() => performance.getEntriesByType('resource').map(e => e.name)"
               ".filter(n => /[/]names[.]/.test(n)).map(n => n.split('/').pop())")
    for lang, query, expected in (("en", "Chongqing", "places/chongqing/"), ("zh", "谁是朴宝生", "people/park-bo-saeng/")):
        _, links = results(tab, f"{site}{lang}/search/?q={quote(query)}")
        assert f"{lang}/{expected}" in links[:3]
        letters = query[:1].lower() if lang == "en" else query
        assert sorted(tab.evaluate(fetched)) == sorted({f"names.{lang}.{ord(c) % 32}.json" for c in letters})
    context.close()


def test_search_page_without_javascript_links_to_the_indexes(site, browser):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{site}zh/search/?q={quote('重庆')}")
    notice = tab.locator(".search-nojs")
    assert notice.is_visible()
    assert "JavaScript" in notice.text_content()
    links = [a.get_attribute("href") for a in notice.locator("a").all()]
    assert links[:4] == ["../stories/", "../people/", "../orgs/", "../places/"]
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_axe_finds_no_serious_violation_in_results_and_the_open_box(site, browser, lang):
    need(AXE_JS.is_file(), f"axe-core not found at {AXE_JS} (run: bash .ci/install)")
    context = browser.new_context(viewport={"width": 375, "height": 800})
    tab = context.new_page()
    failures = []
    results(tab, f"{site}{lang}/search/?q={quote('重庆' if lang == 'zh' else 'Chongqing')}")
    tab.wait_for_selector(".chip")
    tab.focus("#site-search-q")
    tab.keyboard.type("GBSA")
    tab.wait_for_selector("#site-search-popup .search-option")
    tab.keyboard.press("ArrowDown")
    tab.add_script_tag(path=str(AXE_JS))
    for v in tab.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]:
        if v["impact"] in ("serious", "critical"):
            failures.append(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    context.close()
    assert not failures, "\n".join(failures)
