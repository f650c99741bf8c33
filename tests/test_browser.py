"""The built site in a real browser (Playwright + Debian's chromium).

The bundled content/ is built once into a temporary folder and served on 127.0.0.1, together
with conftest's small site, which has an untranslated story. Each test opens a fresh browser
context. Under CI=true a missing browser or axe-core fails instead of skipping.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from sites import AXE_JS, SMALL_BASE_PATH, browser, build_real, build_small, need, page_types, serve  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # pragma: no cover - the browser fixture reports it
    PlaywrightError = Exception

LANGS = ("en", "zh")
HREFLANG = {"en": "en", "zh": "zh-Hans"}


# Fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(real site base URL, small site base URL, real site's public folder)."""
    real = build_real(tmp_path_factory.mktemp("real"))
    small = build_small(tmp_path_factory.mktemp("small"))
    with serve(real) as real_url, serve(small.parent) as small_root:
        yield real_url, small_root + SMALL_BASE_PATH + "/", real


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context
    context.close()


def all_pages(sites) -> list[tuple[str, str]]:
    """(name, absolute URL) of every page type in both languages, the root pages and a fallback."""
    real_url, small_url, public = sites
    pages = [(f"{lang}:{kind}", real_url + url) for lang in LANGS for kind, url in page_types(public, lang).items()]
    pages += [("chooser", real_url), ("root 404", real_url + "404.html"),
              ("zh fallback story", small_url + "zh/stories/new-door/")]
    return pages


class Watch:
    """Console errors, page errors, failed requests and HTTP errors seen by one page."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))


def visible_entries(page) -> int:
    return page.locator(".timeline-entry:visible").count()


# Language switch -------------------------------------------------------------------------
def test_language_switch_lands_on_the_same_page_from_every_page_type(sites, context):
    real_url, small_url, public = sites
    page = context.new_page()
    cases = [(real_url, url) for url in page_types(public, "en").values()]
    cases.append((small_url, "en/stories/new-door/"))  # its zh version is a fallback page
    for base, en_url in cases:
        for here, there in (("en", "zh"), ("zh", "en")):
            start = base + en_url.replace("en/", f"{here}/", 1)
            page.goto(start)
            switch = page.locator(f'.language-switch a[hreflang="{HREFLANG[there]}"]')
            assert switch.count() == 1, f"no switch to {there} on {start}"
            switch.click()
            page.wait_for_load_state()
            expected = base + en_url.replace("en/", f"{there}/", 1)
            assert page.url == expected, f"switch from {start} went to {page.url}"
            assert page.locator("html").get_attribute("lang") == HREFLANG[there]
            current = page.locator(".language-switch a[aria-current]")
            assert current.get_attribute("lang") == HREFLANG[there]


# Timeline filters ------------------------------------------------------------------------
def test_timeline_filters_narrow_restore_and_survive_reload(sites, context):
    real_url, _, _ = sites
    page = context.new_page()
    page.goto(real_url + "en/timeline/")
    form = page.locator("form.timeline-filter")
    assert form.is_visible()
    total = page.locator(".timeline-entry").count()
    assert visible_entries(page) == total > 0

    # By kind: only events, and the URL says so.
    page.select_option("select[name=kind]", "event")
    events = page.locator('.timeline-entry[data-kind="event"]').count()
    assert 0 < visible_entries(page) == events < total
    assert urlsplit(page.url).query == "kind=event"
    assert page.locator(".filter-status").inner_text() == f"Showing {events} of {total} entries"

    # By entity type and by tag, together: every shown entry matches both.
    page.select_option("select[name=type]", "person")
    tag = page.locator("select[name=tag] option").nth(1).get_attribute("value")
    page.select_option("select[name=tag]", tag)
    shown = page.locator(".timeline-entry:visible")
    assert 0 < shown.count() < events or shown.count() == 0
    for i in range(shown.count()):
        entry = shown.nth(i)
        assert entry.get_attribute("data-kind") == "event"
        assert "person" in entry.get_attribute("data-types").split()
        assert tag in entry.get_attribute("data-tags").split()
    narrowed = shown.count()
    query = urlsplit(page.url).query
    assert query == f"kind=event&type=person&tag={tag}"

    # A reload keeps the filters, from the URL alone.
    page.reload()
    assert page.locator("select[name=kind]").input_value() == "event"
    assert page.locator("select[name=type]").input_value() == "person"
    assert page.locator("select[name=tag]").input_value() == tag
    assert visible_entries(page) == narrowed

    # Show all restores every entry and clears the URL.
    page.click("button.filter-clear")
    assert visible_entries(page) == total
    assert urlsplit(page.url).query == ""
    assert page.locator(".timeline-year:visible").count() == page.locator(".timeline-year").count()


def test_timeline_single_entity_filter_is_a_shareable_url(sites, context):
    real_url, _, _ = sites
    page = context.new_page()
    page.goto(real_url + "en/timeline/")
    total = page.locator(".timeline-entry").count()
    entity = page.locator("select[name=entity] option").nth(1).get_attribute("value")
    page.goto(real_url + f"en/timeline/?entity={entity}")
    assert page.locator("select[name=entity]").input_value() == entity
    shown = page.locator(".timeline-entry:visible")
    assert 0 < shown.count() < total
    for i in range(shown.count()):
        assert entity in shown.nth(i).get_attribute("data-entities").split()
    hidden_years = page.locator(".timeline-year:not(:visible)").count()
    assert hidden_years > 0, "years without a matching entry should be hidden"
    assert page.locator(".year-jump li:visible").count() == page.locator(".timeline-year:visible").count()
    page.select_option("select[name=entity]", "")
    assert visible_entries(page) == total
    assert urlsplit(page.url).query == ""


def test_entity_page_links_to_its_filtered_timeline(sites, context):
    real_url, _, public = sites
    page = context.new_page()
    page.goto(real_url + page_types(public)["place"])
    entity = page.url.rstrip("/").rsplit("/", 1)[1]
    page.locator(".actions a", has_text="See on the timeline").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/en/timeline/?entity={entity}")
    assert page.locator("select[name=entity]").input_value() == entity
    assert 0 < visible_entries(page) < page.locator(".timeline-entry").count()


def test_timeline_works_without_javascript_and_deep_links_to_entries(sites, browser):
    real_url, _, _ = sites
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(real_url + "en/timeline/?kind=event")
    assert not page.locator("form.timeline-filter").is_visible()
    total = page.locator(".timeline-entry").count()
    assert visible_entries(page) == total  # nothing hidden without the script
    anchor = page.locator(".timeline-entry").nth(3).get_attribute("id")
    page.goto(real_url + f"en/timeline/#{anchor}")
    assert page.locator(f"#{anchor}").evaluate("e => e.matches(':target')")
    assert page.locator(f"#{anchor} a.permalink").get_attribute("href") == f"#{anchor}"
    context.close()


# Console, network, layout ------------------------------------------------------------------
def test_no_console_error_or_failed_request_on_any_page(sites, context):
    page = context.new_page()
    watch = Watch(page)
    for name, url in all_pages(sites):
        page.goto(url)
        page.wait_for_load_state("networkidle")  # the favicon too
        assert not watch.problems, f"{name} ({url}): {watch.problems}"


def test_no_horizontal_scrolling_on_a_375px_phone(sites, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    for name, url in all_pages(sites):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} ({url}) is {width}px wide at 375px"
    context.close()


# Accessibility ---------------------------------------------------------------------------
def test_axe_finds_no_serious_or_critical_violation(sites, context):
    need(AXE_JS.is_file(), f"axe-core not found at {AXE_JS} (run: bash .ci/install)")
    page = context.new_page()
    failures = []
    for name, url in all_pages(sites):
        page.goto(url)
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"][:3]]
                failures.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} at {targets}")
    assert not failures, "\n".join(failures)


def focused(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement;
        const box = e.getBoundingClientRect();
        return {text: e.textContent.trim(), cls: e.className, id: e.id, lang: e.getAttribute('lang'),
                nav: e.closest('nav') ? e.closest('nav').className : '',
                visible: box.width > 0 && box.height > 0 && box.top >= 0 && box.bottom <= innerHeight,
                outline: getComputedStyle(e).outlineStyle};
    }""")


@pytest.mark.parametrize("lang", LANGS)
def test_keyboard_reaches_skip_link_navigation_and_language_switch(sites, context, lang):
    real_url, _, public = sites
    page = context.new_page()
    page.goto(real_url + page_types(public, lang)["story"])
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"] and first["visible"], f"first Tab stop is {first}"
    assert first["outline"] != "none", "focus is not visible on the skip link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "page-content"
    assert page.url.endswith("#page-content")

    page.goto(real_url + page_types(public, lang)["story"])
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(focused(page))
    nav = [s["text"] for s in stops if s["nav"] == "site-nav"]
    switch = [s["lang"] for s in stops if s["nav"] == "language-switch"]
    expected_nav = {"en": ["Stories", "Timeline", "People", "Organisations", "Places"],
                    "zh": ["报道", "时间线", "人物", "机构", "地点"]}[lang]
    assert nav == expected_nav, stops
    assert set(switch) == {"en", "zh-Hans"}, stops
    assert all(s["outline"] != "none" for s in stops if s["nav"]), "focus outline missing in navigation"
    # Enter on the switch follows it, keyboard only.
    other = "zh-Hans" if lang == "en" else "en"
    page.goto(real_url + page_types(public, lang)["story"])
    for _ in range(12):
        page.keyboard.press("Tab")
        if focused(page)["lang"] == other and focused(page)["nav"] == "language-switch":
            break
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other


def test_chooser_sends_the_browser_to_its_language(sites, browser):
    real_url, _, _ = sites
    for locale, lang in (("zh-CN", "zh"), ("en-US", "en")):
        context = browser.new_context(locale=locale)
        page = context.new_page()
        page.goto(real_url)
        page.wait_for_url(re.compile(f"/{lang}/$"))
        context.close()


def test_browser_errors_are_reported_not_hidden(sites, context):
    """The Watch above does see a failed request (so a clean run means something)."""
    real_url, _, _ = sites
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(real_url + "en/no-such-page/")
    except PlaywrightError:
        pass
    assert any("HTTP 404" in p for p in watch.problems)
