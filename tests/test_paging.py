"""Split lists (paging.py): on a small site with a tiny `page_size`, the archive, the timeline,
an entity's stories, a topic's and the editors' translation status become pages linked by rel=prev/next, in the sitemap, with a language
switch to the same page; without the key the same site keeps its single pages."""

from __future__ import annotations

import re

from conftest import BASE_FILES, SITE_YAML, build, clean_tree, options, tree
from pages import broken_links, parse
from site_builder import paging, search
from site_builder.build import BuildState
from site_builder.render import Renderer

BASE_PATH = "/briefing/"


def story(n: int, day: int) -> str:
    return f"""\
---
title: Story number {n}
date: 2023-03-{day:02d}
summary: Summary {n}.
source:
  publisher: Agency
  title: Original {n}
places: [chongqing]
tags: [trade]
events:
  - date: 2022-{n:02d}
    title: {{en: Event {n}, zh: 事件{n}}}
    places: [chongqing]
---
Body {n} about [[chongqing]].
"""


EXTRA = {f"content/stories/s{n}.en.md": story(n, n) for n in range(1, 6)}  # 7 stories in all
SMALL = {"content/site.yaml": SITE_YAML + "page_size: 2\n", **EXTRA}


def pages_of(public, first: str) -> list[str]:
    """The site paths of a list's pages, following rel=next from the first."""
    found, url = [], first
    while url is not None:
        assert url not in found, f"rel=next loops back to {url}"
        found.append(url)
        page = parse(public / url / "index.html")
        nexts = [a["href"] for a in page.find("link", rel="next")]
        url = resolve_dir(url, nexts[0]) if nexts else None
    return found


def resolve_dir(here: str, href: str) -> str:
    parts = here.rstrip("/").split("/")
    for piece in href.rstrip("/").split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts) + "/"


def test_long_lists_are_split_into_linked_pages(make_site):
    root = make_site(SMALL)
    build(root)
    public = root / "public"
    assert pages_of(public, "en/stories/") == ["en/stories/", "en/stories/page/2/", "en/stories/page/3/",
                                               "en/stories/page/4/"]  # 7 stories, 2 a page
    # 7 story entries and 8 events (one per extra story, GBSA's, two of new-door's)
    assert len(pages_of(public, "en/timeline/")) == 8
    assert len(pages_of(public, "zh/timeline/")) == 8
    assert len(pages_of(public, "en/places/chongqing/")) == 4  # all 7 stories name Chongqing
    assert len(pages_of(public, "zh/tags/trade/")) == 3  # 5 stories on the topic
    assert "5 stories" in parse(public / "en/tags/trade/page/3/index.html").text()
    # each later page points back, in <head> and in the visible pagination
    for url in pages_of(public, "en/stories/")[1:]:
        page = parse(public / url / "index.html")
        prev = page.find("link", rel="prev")
        assert len(prev) == 1 and resolve_dir(url, prev[0]["href"]) in pages_of(public, "en/stories/")
        assert page.find("a", rel="prev")
    first = parse(public / "en/stories/index.html")
    assert not first.find("link", rel="prev") and first.find("a", rel="next")
    assert "Page 1 of 4" in first.text()
    assert "第2页，共4页" in parse(public / "zh/stories/page/2/index.html").text()
    # every story is listed exactly once across the archive's pages
    listed = [{t for a in parse(public / url / "index.html").find("a") if "href" in a and "#" not in a["href"]
               for t in [resolve_dir(url, a["href"])] if re.fullmatch(r"en/stories/(?!page/)[a-z0-9-]+/", t)}
              for url in pages_of(public, "en/stories/")]
    assert [len(s) for s in listed] == [2, 2, 2, 1] and len(set().union(*listed)) == 7
    assert broken_links(public, BASE_PATH) == []


def test_later_pages_are_in_the_sitemap_with_alternates_and_switch_languages(make_site):
    root = make_site(SMALL)
    build(root)
    public = root / "public"
    sitemap = (public / "sitemap.xml").read_text("utf-8")
    for url in ("en/stories/page/4/", "zh/timeline/page/8/", "en/places/chongqing/page/3/", "zh/tags/trade/page/3/"):
        assert f"<loc>https://example.org/briefing/{url}</loc>" in sitemap
    entry = re.search(r"<url>\s*<loc>https://example.org/briefing/en/timeline/page/2/</loc>.*?</url>", sitemap, re.S).group(0)
    assert 'hreflang="zh-Hans" href="https://example.org/briefing/zh/timeline/page/2/"' in entry
    assert 'hreflang="x-default" href="https://example.org/briefing/en/timeline/page/2/"' in entry
    page = parse(public / "en/timeline/page/2/index.html")
    switch = [a["href"] for a in page.find("a", rel="alternate")]
    assert switch == ["../../../../zh/timeline/page/2/"]
    assert page.find("link", rel="canonical")[0]["href"] == "https://example.org/briefing/en/timeline/page/2/"
    title = re.search(r"<title>(.*?)</title>", (public / "zh/timeline/page/2/index.html").read_text("utf-8")).group(1)
    assert title.startswith("时间线 · 第2页")


def test_a_sitemap_past_the_protocol_limit_becomes_an_index_of_files(make_site, tmp_path, monkeypatch):
    """sitemaps.org allows 50,000 URLs a file (a 100,000-story site has 370,000): past
    SITEMAP_SIZE, /sitemap.xml is a sitemap index of /sitemap-<n>.xml files that together list
    every URL the single sitemap listed, in the same order, with the same alternates; within
    it, the one file as ever. Incremental builds across the change equal clean ones."""
    root = make_site(SMALL)
    build(root)
    public = root / "public"
    single = (public / "sitemap.xml").read_text("utf-8")
    entries = re.findall(r"<url>.*?</url>", single, re.S)
    monkeypatch.setattr(paging, "SITEMAP_SIZE", 20)
    path = root / "content/stories/s3.en.md"  # an edit, so that the next build plans every page
    path.write_text(path.read_text("utf-8").replace("Summary 3.", "Summary three."), "utf-8")
    build(root)
    index = (public / "sitemap.xml").read_text("utf-8")
    assert "<sitemapindex" in index and "<urlset" not in index
    files = re.findall(r"<loc>https://example.org/briefing/(sitemap-\d+\.xml)</loc>", index)
    assert files == [f"sitemap-{n}.xml" for n in range(1, -(-len(entries) // 20) + 1)] and len(files) > 1
    split = [re.findall(r"<url>.*?</url>", (public / name).read_text("utf-8"), re.S) for name in files]
    assert all(len(part) <= 20 for part in split) and [e for part in split for e in part] == entries
    assert tree(public) == clean_tree(root, tmp_path / "clean")
    monkeypatch.setattr(paging, "SITEMAP_SIZE", 50_000)
    path.write_text(path.read_text("utf-8").replace("Summary three.", "Summary 3."), "utf-8")
    build(root)
    assert (public / "sitemap.xml").read_text("utf-8") == single and not (public / "sitemap-1.xml").exists()
    assert tree(public) == clean_tree(root, tmp_path / "clean")


def test_split_timeline_keeps_its_filters(make_site):
    """Each page filters its own entries; links to the other pages carry the filter (site.js),
    and an entity page's timeline link goes to the page of the entity's first entry."""
    root = make_site(SMALL)
    build(root)
    public = root / "public"
    page = parse(public / "en/timeline/page/3/index.html")
    assert page.find("form", **{"class": "timeline-filter"})
    assert {a["href"] for a in page.find("a", rel="next")} <= {a["href"] for a in page.find("a") if "data-keep-query" in a}
    # the entity select lists the entities named on this page only
    named = {e for _, a in page.elements if "data-entities" in a for e in a["data-entities"].split()}
    options = {a["value"] for a in page.find("option") if a.get("value") and a["value"] in {"chongqing", "gbsa", "kang-sungcheon"}}
    assert options == named & {"chongqing", "gbsa", "kang-sungcheon"}
    # year jump: a year whose first entry is on another page links to that page
    jumps = [a["href"] for a in page.find("a") if a.get("href", "").endswith(("#year-2015", "#year-2024"))]
    assert "../1/#year-2015" not in jumps and any(h.startswith("../../") and h.endswith("#year-2015") for h in jumps)
    gbsa = parse(public / "en/orgs/gbsa/index.html")
    see = [a["href"] for a in gbsa.find("a") if "?entity=gbsa" in a.get("href", "")]
    assert see and all(h.startswith("../../timeline/page/") for h in see)  # GBSA's entries are late in the timeline
    assert broken_links(public, BASE_PATH) == []


def test_editors_translation_page_is_split_worst_first(make_site):
    """At 10,000 stories the editors' page listed 10,000 rows (6 MB of HTML): its rows are
    split like any long list, worst first, with each state's count on every page; its pages
    stay out of the sitemap (noindex) and switch to the same page in the other language."""
    root = make_site(SMALL)
    build(root)
    public = root / "public"
    pages = pages_of(public, "en/translations/")
    assert [page.replace("en/", "zh/", 1) for page in pages] == pages_of(public, "zh/translations/")
    rows, entities, counts = [], [], set()
    for url in pages:
        page = parse(public / url / "index.html")
        assert page.find("meta", name="robots", content="noindex")
        shown = [a["data-state"] for t, a in page.elements if t == "tr" and "data-state" in a]
        named = [a["data-id"] for t, a in page.elements if t == "tr" and "data-missing" in a]
        assert len(shown) <= 2 and len(named) <= 2
        rows += shown
        entities += named
        counts.add(tuple((a["data-state"], a["data-count"]) for t, a in page.elements if t == "li" and "data-count" in a))
    order = ("stale", "missing", "unverified", "current")
    assert len(rows) == 7 and rows == sorted(rows, key=order.index)  # each story's zh row once, worst first
    assert len(entities) == len(set(entities)) == 2  # both on page 1; later pages have no such section
    assert not parse(public / pages[-1] / "index.html").find("section", **{"class": "translation-entities"})
    assert len(pages) == max(-(-len(rows) // 2), -(-len(entities) // 2)) > 1
    (counted,) = counts  # the same on every page
    assert sorted((state, int(n)) for state, n in counted) == sorted((s, rows.count(s)) for s in set(rows))
    assert "第2页，共" in parse(public / "zh/translations/page/2/index.html").text()
    switch = [a["href"] for a in parse(public / "en/translations/page/2/index.html").find("a", rel="alternate")]
    assert switch == ["../../../../zh/translations/page/2/"]
    assert "translations/" not in (public / "sitemap.xml").read_text("utf-8")
    assert broken_links(public, BASE_PATH) == []


def test_indexes_are_split_with_a_jump_to_each_initial(make_site):
    """At 100,000 stories the people index named 20,000 people (~5 MB): an index longer than
    the page size is split in its language's order (pinyin in Chinese), with a jump to the
    page where each initial starts; page n switches to page n in the other language."""
    root = make_site(SMALL)  # places: China 中国, Chongqing 重庆, Gyeonggi Province 京畿道
    build(root)
    public = root / "public"
    for lang, order, initials in (("en", ["China", "Chongqing", "Gyeonggi Province"], [("C", 1), ("G", 2)]),
                                  ("zh", ["重庆", "京畿道", "中国"], [("C", 1), ("J", 1), ("Z", 2)])):
        pages = pages_of(public, f"{lang}/places/")
        assert pages == [f"{lang}/places/", f"{lang}/places/page/2/"]
        parsed = [parse(public / url / "index.html") for url in pages]
        assert [name for page in parsed for name in index_names(page)] == order
        jump = [(a["href"], text) for page in parsed[:1] for stack, text in page.texts
                if stack[-1][0] == "a" and any("initial-jump" in at.get("class", "") for _, at in stack)
                for a in [stack[-1][1]]]
        assert [text for _, text in jump] == [letter for letter, _ in initials]
        for (href, letter), (_, number) in zip(jump, initials):
            target, anchor = href.split("#")
            assert (target == "") == (number == 1) and anchor == f"initial-{letter}"
            assert anchor in parsed[number - 1].ids
    switch = [a["href"] for a in parse(public / "en/places/page/2/index.html").find("a", rel="alternate")]
    assert switch == ["../../../../zh/places/page/2/"]
    sitemap = (public / "sitemap.xml").read_text("utf-8")
    assert "/en/places/page/2/</loc>" in sitemap and "/zh/places/page/2/</loc>" in sitemap
    assert broken_links(public, BASE_PATH) == []


def index_names(page) -> list[str]:
    return [text for stack, text in page.texts if stack and stack[-1][0] == "a"
            and any(a.get("class") == "entity-index" for _, a in stack)]


def test_small_site_keeps_single_pages(make_site):
    root = make_site(EXTRA)  # the same content under the default page size
    build(root)
    assert not [p for p in tree(root / "public") if "/page/" in p]
    assert not parse(root / "public/en/translations/index.html").find("nav", **{"class": "pagination pagination-top"})
    page = parse(root / "public/en/timeline/index.html")
    assert not page.find("link", rel="next") and not page.find("nav", **{"class": "pagination pagination-top"})


def test_split_boundary_moving_keeps_incremental_equal_to_clean(make_site, tmp_path):
    """A newer story shifts every archive page by one, an entity's too; an older one adds to
    the timeline's first pages: incremental builds still equal clean builds."""
    root = make_site(SMALL)
    build(root)
    newest = story(9, 28).replace("2023-03-28", "2025-01-01")
    (root / "content/stories/s9.en.md").write_text(newest, encoding="utf-8")
    report = build(root)
    assert "en/stories/page/4/index.html" in report.written
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    (root / "content/stories/s0.en.md").write_text(story(0, 1).replace("2023-03-01", "2001-01-01"), encoding="utf-8")
    build(root)
    assert "en/stories/page/5/index.html" in tree(root / "public")
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    (root / "content/stories/s9.en.md").unlink()
    (root / "content/stories/s0.en.md").unlink()
    build(root)
    assert "en/stories/page/5/index.html" not in tree(root / "public")
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_a_story_edit_renders_only_the_page_of_a_split_entity_that_lists_it(make_site, tmp_path, monkeypatch):
    """Each page of a split entity depends on its own chunk of stories and on what the dossier
    on every page shows, not on the heads of all its stories: a retitled story re-renders the
    one page listing it (issue #15: a popular person has thirty)."""
    root = make_site(SMALL)
    build(root)
    first = "en/places/chongqing/"
    listing = [url for url in pages_of(root / "public", first)
               if "/stories/s3/" in (root / "public" / url / "index.html").read_text("utf-8")]
    assert len(pages_of(root / "public", first)) > 2 and len(listing) == 1
    rendered: list[str] = []
    render = Renderer.render
    monkeypatch.setattr(Renderer, "render", lambda self, route: rendered.append(route.url) or render(self, route))
    path = root / "content/stories/s3.en.md"
    path.write_text(path.read_text("utf-8").replace("title: Story number 3", "title: Story number 3, retitled"), "utf-8")
    build(root)
    assert [url for url in rendered if url.startswith(first) and not url.endswith(".xml")] == listing
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    rendered.clear()  # a new date moves it (and the dossier's first and last dates): every page
    path.write_text(path.read_text("utf-8").replace("date: 2023-03-03", "date: 2024-01-01"), "utf-8")
    build(root)
    assert len([url for url in rendered if url.startswith(first) and not url.endswith(".xml")]) == len(pages_of(root / "public", first))
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_serve_sorts_a_split_timeline_again_only_when_the_heads_change(make_site, tmp_path, monkeypatch):
    """Which timeline page each event is on (for every story page's event links) is kept from
    one `serve` build to the next while no story's head changes (BuildState.list_tables): a
    body edit does not sort the timeline's entries again (a third of a body edit at 10,000
    stories); a date edit does, and both builds equal clean ones."""
    root = make_site(SMALL)
    memory = BuildState.watched(options(root))
    build(root, state=memory)
    sorted_for: list[str] = []
    entries = paging.timeline_entries
    monkeypatch.setattr(paging, "timeline_entries", lambda site, lang: sorted_for.append(lang) or entries(site, lang))
    path = root / "content/stories/s3.en.md"
    path.write_text(path.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    memory.note([str(path.resolve())])
    assert build(root, state=memory).written and sorted_for == []
    search.settle(memory)
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    path.write_text(path.read_text("utf-8").replace("date: 2023-03-03", "date: 2023-03-20"), "utf-8")
    memory.note([str(path.resolve())])
    build(root, state=memory)
    assert "en" in sorted_for
    search.settle(memory)
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_page_size_must_be_a_positive_number(make_site, capsys):
    from site_builder.cli import main

    make_site({"content/site.yaml": SITE_YAML + "page_size: many\n"})
    assert main(["check"]) == 1
    line = SITE_YAML.count("\n") + 1
    assert f"content/site.yaml:{line}: page_size: expected a whole number, 1 or more" in capsys.readouterr().err


assert "content/site.yaml" in BASE_FILES
