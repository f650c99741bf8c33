"""The built site keeps DESIGN.md's promises: every page, language, link, feed and sitemap."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import OLDER_EN, build as build_site
from pages import broken_links, link_targets, parse, tree

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BASE = "https://example.org/briefing/"


@pytest.fixture
def built(make_site):
    root = make_site()
    build_site(root)
    return root / "public"


def test_every_page_of_the_table_exists_in_both_languages(built):
    expected = ["index.html", "404.html", "sitemap.xml"]
    for lang in ("en", "zh"):
        expected += [f"{lang}/{p}" for p in (
            "index.html", "stories/index.html", "stories/gbsa-centre/index.html", "stories/new-door/index.html",
            "people/index.html", "orgs/index.html", "places/index.html",
            "people/kang-sungcheon/index.html", "orgs/gbsa/index.html", "places/chongqing/index.html",
            "places/china/index.html", "timeline/index.html", "tags/innovation/index.html", "feed.xml", "404.html",
        )]
    missing = [p for p in expected if not (built / p).is_file()]
    assert missing == []


def test_no_internal_link_is_broken(built):
    assert broken_links(built, base_path="/briefing/") == []


def test_html_lang_canonical_hreflang_and_switch(built):
    for page_path in sorted(built.glob("*/**/*.html")):
        rel = page_path.relative_to(built).as_posix()
        lang = rel.split("/")[0]
        page = parse(page_path)
        html_lang = page.find("html")[0]["lang"]
        assert html_lang == {"en": "en", "zh": "zh-Hans"}[lang], rel
        if rel.endswith("404.html"):
            continue
        url = rel[: -len("index.html")]
        canonical = page.find("link", rel="canonical")
        assert len(canonical) == 1, rel
        alternates = {a["hreflang"]: a["href"] for a in page.find("link", rel="alternate") if "hreflang" in a}
        assert alternates["x-default"] == BASE + "en/" + url[3:], rel
        other = "zh" if lang == "en" else "en"
        switch = [a for a in page.find("a") if a.get("hreflang") == {"en": "en", "zh": "zh-Hans"}[other]]
        assert switch, f"{rel}: no language switch"
        target = (page_path.parent / switch[0]["href"]).resolve()
        assert target == (built / other / url[3:] / "index.html").resolve() or target == (built / other / url[3:]).resolve(), rel


def test_translated_story_has_both_alternates(built):
    page = parse(built / "zh/stories/gbsa-centre/index.html")
    alternates = {a["hreflang"]: a["href"] for a in page.find("link", rel="alternate") if "hreflang" in a}
    assert alternates == {
        "en": BASE + "en/stories/gbsa-centre/",
        "zh-Hans": BASE + "zh/stories/gbsa-centre/",
        "x-default": BASE + "en/stories/gbsa-centre/",
    }
    assert page.find("link", rel="canonical")[0]["href"] == BASE + "zh/stories/gbsa-centre/"
    assert page.find("h1")[0].get("lang") is None
    assert "GBSA在重庆设立首个中国创新中心" in page.text()


def test_untranslated_story_falls_back_says_so_and_points_at_the_original(built):
    page = parse(built / "zh/stories/new-door/index.html")
    assert page.find("link", rel="canonical")[0]["href"] == BASE + "en/stories/new-door/"
    alternates = {a["hreflang"] for a in page.find("link", rel="alternate") if "hreflang" in a}
    assert alternates == {"en", "x-default"}
    assert page.find("p", **{"class": "notice fallback-notice"})
    h1 = page.find("h1")[0]
    assert h1.get("lang") == "en"
    body = [a for a in page.find("div") if a.get("class") == "body"][0]
    assert body.get("lang") == "en"
    english_page = parse(built / "en/stories/new-door/index.html")
    assert {a["hreflang"] for a in english_page.find("link", rel="alternate") if "hreflang" in a} == {"en", "x-default"}


def test_entity_links_use_the_page_language(built):
    zh = parse(built / "zh/stories/gbsa-centre/index.html")
    links = {a["href"]: a for a in zh.find("a", **{"class": "entity-link"})}
    assert "../../places/chongqing/" in links
    assert "重庆" in zh.text_in(lambda stack: any(t == "a" and a.get("href") == "../../places/chongqing/" for t, a in stack))
    en = parse(built / "en/stories/gbsa-centre/index.html")
    assert "the agency" in en.text_in(lambda stack: any(t == "a" and a.get("href") == "../../orgs/gbsa/" for t, a in stack))


def test_whos_who_shows_the_role_held_on_the_story_date(built):
    page = parse(built / "en/stories/gbsa-centre/index.html")
    whos_who = page.text_in(lambda stack: any(t == "dl" and a.get("class") == "whos-who" for t, a in stack))
    assert "Kang Sungcheon" in whos_who and "President" in whos_who


def test_dates_respect_precision_in_each_language(built):
    en = parse(built / "en/timeline/index.html").text()
    zh = parse(built / "zh/timeline/index.html").text()
    assert "May 2024" in en and "2024年5月" in zh
    assert "October 2015\u2009–\u2009March 2016" in en and "2015年10月至2016年3月" in zh


def test_feeds_are_atom_listing_every_story_newest_first(built):
    for lang in ("en", "zh"):
        feed = ET.parse(built / lang / "feed.xml").getroot()
        assert feed.tag == f"{ATOM}feed"
        entries = feed.findall(f"{ATOM}entry")
        links = [e.find(f"{ATOM}link").get("href") for e in entries]
        assert links == [BASE + f"{lang}/stories/gbsa-centre/", BASE + f"{lang}/stories/new-door/"]
        for entry in entries:
            for name in ("title", "id", "updated", "summary"):
                assert entry.find(f"{ATOM}{name}") is not None
    zh = ET.parse(built / "zh/feed.xml").getroot()
    untranslated = zh.findall(f"{ATOM}entry")[1]
    assert untranslated.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_sitemap_has_one_url_per_language_version_with_alternates(built):
    root = ET.parse(built / "sitemap.xml").getroot()
    urls = {u.find(f"{SM}loc").text: {l.get("hreflang"): l.get("href") for l in u.findall(f"{XHTML}link")} for u in root}
    assert BASE + "en/stories/gbsa-centre/" in urls and BASE + "zh/stories/gbsa-centre/" in urls
    assert BASE + "zh/stories/new-door/" not in urls  # a fallback page is not a language version
    assert urls[BASE + "en/stories/new-door/"] == {"en": BASE + "en/stories/new-door/", "x-default": BASE + "en/stories/new-door/"}
    assert urls[BASE + "zh/places/chongqing/"]["en"] == BASE + "en/places/chongqing/"
    assert all(u.startswith(BASE) for u in urls)
    html_pages = {p.relative_to(built).as_posix() for p in built.glob("*/**/index.html")
                  if "/translations/" not in p.as_posix()}  # the editors' pages are not for search engines
    assert len(urls) == len(html_pages) - 1  # every language version but the zh fallback


def test_language_chooser_works_without_javascript(built):
    page = parse(built / "index.html")
    targets = {a["href"] for a in page.find("a") if "hreflang" in a}
    assert targets == {"en/", "zh/"}


def test_entity_page_shows_names_hierarchy_mentions_and_related(built):
    page = parse(built / "en/places/chongqing/index.html")
    text = page.text()
    assert "Chongqing" in text and "重庆" in text
    targets = link_targets(built, built / "en/places/chongqing/index.html")
    assert "en/places/china/" in targets  # parent
    assert {"en/stories/gbsa-centre/", "en/stories/new-door/"} <= targets
    assert "en/orgs/gbsa/" in targets  # related by co-mention
    assert "en/places/chongqing/" in link_targets(built, built / "en/places/china/index.html")  # child
    assert "zh/people/kang-sungcheon/" in link_targets(built, built / "zh/orgs/gbsa/index.html")  # member via role


def test_build_is_byte_identical_across_clock_timezone_and_hash_seed(make_site, tmp_path):
    root = make_site()
    outputs = []
    for i, (tz, seed) in enumerate((("UTC", "1"), ("Asia/Seoul", "12345"))):
        out = tmp_path / f"out{i}"
        env = {**os.environ, "TZ": tz, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "site_builder", "build", "--out", str(out)], cwd=root, env=env,
                       check=True, capture_output=True)
        subprocess.run(["rm", "-rf", str(root / ".cache")], check=True)
        outputs.append(tree(out))
    assert outputs[0] == outputs[1]


def test_failed_build_leaves_previous_output_untouched(make_site):
    root = make_site()
    build_site(root)
    before = tree(root / "public")
    (root / "content/stories/gbsa-centre.en.md").write_text("---\ntitle: [unclosed\n---\n", "utf-8")
    result = subprocess.run([sys.executable, "-m", "site_builder", "build"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert tree(root / "public") == before
    assert not [p for p in root.iterdir() if p.name.startswith(".public")]


def test_template_error_is_reported_with_template_line(make_site):
    root = make_site()
    (root / "templates/tag.html").write_text("{% extends 'base.html' %}\n{% block content %}\n{{ nothing_here }}\n{% endblock %}\n", "utf-8")
    result = subprocess.run([sys.executable, "-m", "site_builder", "build"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "templates/tag.html:3: template error: 'nothing_here' is undefined" in result.stderr


def test_static_symlink_out_of_the_project_is_not_copied(make_site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish", "utf-8")
    root = make_site()
    (root / "templates/static/leak.txt").symlink_to(secret)
    build_site(root)
    assert (root / "public/static/site.css").is_file()
    assert not (root / "public/static/leak.txt").exists()


def test_markdown_cache_means_a_second_build_renders_no_markdown(make_site):
    root = make_site()
    first = build_site(root)
    assert first.markdown_rendered == 3
    (root / "public").rename(root / "elsewhere")
    second = build_site(root)
    assert second.markdown_rendered == 0
    assert tree(root / "public") == tree(root / "elsewhere")


def test_no_op_rebuild_renders_and_writes_nothing(make_site):
    root = make_site()
    build_site(root)
    report = build_site(root)
    assert (report.rendered, report.written, report.removed) == (0, [], [])


def test_check_writes_nothing_not_even_a_cache(make_site, capsys):
    """`check` validates everything a build would, and leaves the project as it found it:
    no output, no Markdown cache, no compiled templates; an existing cache is only read."""
    from site_builder.cli import main

    def files(root):
        return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*")}

    root = make_site()
    before = files(root)
    assert main(["check"]) == 0
    assert files(root) == before
    build_site(root)
    (root / "content/stories/new-door.en.md").write_text(OLDER_EN.replace("An untranslated story", "A story still untranslated"), "utf-8")  # a body the cache lacks
    before = files(root)
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert files(root) == before
