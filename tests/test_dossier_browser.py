"""Entity dossiers in a real browser: the box and the diagram at a phone's and a desktop's
width, without horizontal scrolling, readable, and without serious accessibility problems."""

from __future__ import annotations

import pytest

from sites import AXE_JS, browser, build_real, need, page_types, serve  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    public = build_real(tmp_path_factory.mktemp("real"))
    with serve(public) as url:
        yield url, public


def dossier_pages(public) -> list[str]:
    return [page_types(public, lang)[kind] for lang in ("en", "zh") for kind in ("person", "org", "place")]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dossier_fits_and_stays_readable(site, browser, width):
    url, public = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for path in dossier_pages(public):
        page.goto(url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} scrolls sideways at {width}px"
        box = page.locator(".glance")
        assert box.is_visible(), path
        assert box.bounding_box()["x"] + box.bounding_box()["width"] <= width
        if width == 1280:  # the box, its facts and the diagram are on the first screen
            assert box.bounding_box()["y"] < 900 and page.locator(".connections").bounding_box()["y"] < 900
        svg = page.locator("svg.diagram")
        assert svg.is_visible(), path
        shown = svg.bounding_box()
        assert shown["x"] + shown["width"] <= width
        scale = shown["width"] / float(svg.get_attribute("width"))
        assert scale >= 0.9, f"{path}: the diagram is drawn at {scale:.2f} of its size at {width}px"
        assert scale <= 1.0, "never scaled up"
        # Every node's label is inside its box.
        overflow = page.evaluate("""() => [...document.querySelectorAll('svg.diagram .diagram-node')].filter(a => {
            const r = a.querySelector('rect').getBBox(), t = a.querySelector('text').getBBox();
            return t.x + t.width > r.x + r.width + 0.5; }).map(a => a.textContent)""")
        assert not overflow, f"{path}: labels overflow their nodes: {overflow}"
        assert page.locator(".connection-list a").count() == page.locator("svg.diagram a").count() > 0
    context.close()


def test_axe_finds_no_serious_problem_in_dossiers(site, browser):
    need(AXE_JS.is_file(), f"axe-core not found at {AXE_JS} (run: bash .ci/install)")
    url, public = site
    failures = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in dossier_pages(public):
            page.goto(url + path)
            page.add_script_tag(path=str(AXE_JS))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            failures += [f"{path} at {width}px: {v['id']} ({v['impact']}): {v['help']}"
                         for v in result["violations"] if v["impact"] in ("serious", "critical")]
        context.close()
    assert not failures, "\n".join(failures)
