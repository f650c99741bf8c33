"""What pages tell machines and readers beyond their text: titles, descriptions, Open Graph,
JSON-LD, index order, and the weight and origin of the theme's assets (no CDN, < 50 KB)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypinyin import Style, lazy_pinyin

from conftest import REPO
from pages import built_page, json_ld, parse, url_of
from sites import build_real

BASE = "https://briefing.example.org/"
SCHEMA = {"people": "Person", "orgs": "Organization", "places": "Place"}


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    return build_real(tmp_path_factory.mktemp("real"))


def meta(page, **attrs) -> str | None:
    found = page.find("meta", **attrs)
    return found[0]["content"] if found else None


def page_of(public: Path, url: str) -> Path:
    return built_page(public, url, BASE)


def language_pages(public: Path) -> list[Path]:
    return sorted(p for lang in ("en", "zh") for p in (public / lang).rglob("*.html"))


def test_every_page_has_title_description_and_open_graph(public):
    titles = {}
    for path in language_pages(public):
        page = parse(path)
        title = page.text_in(lambda stack: any(t == "title" for t, _ in stack)).strip()
        assert title, f"{path}: no <title>"
        description = meta(page, name="description")
        assert description and description.strip(), f"{path}: no description"
        canonical = page.find("link", rel="canonical")[0]["href"]
        assert meta(page, property="og:url") == canonical
        assert meta(page, property="og:title") and meta(page, property="og:description") == description
        assert meta(page, property="og:site_name") and meta(page, property="og:type")
        lang = url_of(public, path).split("/")[0]
        assert meta(page, property="og:locale") == {"en": "en_GB", "zh": "zh_CN"}[lang]
        if path.name != "404.html":
            titles.setdefault(title, []).append(url_of(public, path))
    duplicated = {t: urls for t, urls in titles.items() if len(urls) > 1}
    assert not duplicated, f"pages sharing a title: {duplicated}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_story_json_ld_is_a_news_article_about_entity_pages(public, lang):
    stories = sorted((public / lang / "stories").glob("*/index.html"))
    assert stories
    for path in stories:
        data = json_ld(path)
        assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
        page = parse(path)
        assert data["url"] == data["@id"] == page.find("link", rel="canonical")[0]["href"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["datePublished"])
        assert data["headline"] and data["description"] and data["isBasedOn"]["publisher"]["name"]
        assert data["about"], f"{path}: no 'about'"
        for ref in data["about"] + data["mentions"]:
            target = page_of(public, ref["url"])
            # One @id per entity in every language (its default-language page, as in /data/graph.jsonld).
            assert ref["@id"] == ref["url"].replace(f"/{lang}/", "/en/", 1) and target.parent.parent.name in SCHEMA
            assert ref["@type"] == SCHEMA[target.parent.parent.name]
            assert f"/{lang}/" in ref["url"]
        about = {r["url"] for r in data["about"]}
        assert not about & {r["url"] for r in data["mentions"]}, "an entity is both about and mentioned"


@pytest.mark.parametrize("folder", sorted(SCHEMA))
def test_entity_json_ld_has_its_schema_type_and_resolving_links(public, folder):
    for path in sorted((public / "en" / folder).glob("*/index.html")) + sorted((public / "zh" / folder).glob("*/index.html")):
        data = json_ld(path)
        assert data["@type"] == SCHEMA[folder]
        own = BASE + url_of(public, path)
        assert data["url"] == own and data["name"]
        assert data["@id"] == own.replace("/zh/", "/en/", 1), "one @id per entity, its default-language page"
        for key in ("parentOrganization", "containedInPlace", "location"):
            if key in data:
                page_of(public, data[key]["@id"])
        for org in data.get("affiliation", ()):
            assert org["@type"] == "Organization"
            page_of(public, org["@id"])


def test_person_json_ld_names_jobs_and_both_names(public):
    data = json_ld(public / "en/people/lee-jae-myung/index.html")
    assert data["name"] == "Lee Jae-myung" and "李在明" in data["alternateName"]
    assert data["jobTitle"] and data["affiliation"][0]["@id"].endswith("/en/orgs/gyeonggi-provincial-government/")


def test_entity_pages_offer_their_feed_and_filtered_timeline(public):
    for path in sorted((public / "en" / "places").glob("*/index.html")):
        page = parse(path)
        feeds = [a["href"] for a in page.find("link", rel="alternate", type="application/atom+xml")]
        assert any((path.parent / href).resolve() == (path.parent / "feed.xml").resolve() for href in feeds), \
            f"{path}: no link to its own feed"
        assert (path.parent / "feed.xml").is_file()
        timeline = [a["href"] for t, a in page.elements if t == "a" and "?entity=" in a.get("href", "")]
        if page.find("section", **{"class": "entity-timeline"}):
            assert timeline == [f"../../timeline/?entity={path.parent.name}"] * len(timeline) and timeline


def test_every_filtered_timeline_link_shows_entries(public):
    for lang in ("en", "zh"):
        timeline = (public / lang / "timeline" / "index.html").read_text("utf-8")
        named = {i for found in re.findall(r'data-entities="([^"]*)"', timeline) for i in found.split()}
        linked = set()
        for path in (public / lang).glob("*/*/index.html"):
            linked |= set(re.findall(r'href="[./]*timeline/\?entity=([a-z0-9-]+)"', path.read_text("utf-8")))
        assert linked, "no entity page links to its filtered timeline"
        assert linked <= named, f"links to a timeline filtered down to nothing: {sorted(linked - named)}"


def index_names(path: Path) -> list[str]:
    page = parse(path)
    return [text for stack, text in page.texts
            if stack and stack[-1][0] == "a" and "entity-link" in stack[-1][1].get("class", "")
            and any(a.get("class") == "entity-index" for _, a in stack)]


def test_indexes_are_alphabetical_in_english_and_by_pinyin_in_chinese(public):
    for folder in SCHEMA:
        en = index_names(public / "en" / folder / "index.html")
        assert en == sorted(en, key=str.casefold) and en
        zh = index_names(public / "zh" / folder / "index.html")
        zh_key = lambda t: ([p.casefold() for p in lazy_pinyin(t, style=Style.TONE3)], t)  # noqa: E731
        assert zh == sorted(zh, key=zh_key) and zh
        if folder == "orgs":  # a name in Latin letters under its letter, as in a Chinese phone book
            assert zh.index("京畿道政府") < zh.index("LG") < zh.index("两江新区")


def test_theme_assets_are_small_and_local():
    static = REPO / "templates" / "static"
    weight = sum(p.stat().st_size for p in static.iterdir() if p.suffix in (".css", ".js"))
    assert weight < 50_000, f"CSS and JS weigh {weight} bytes"
    for path in [*static.iterdir(), *REPO.joinpath("templates").glob("*.html")]:
        text = path.read_text("utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), f"{path.name} loads something from elsewhere"
        assert "@import" not in text and "@font-face" not in text and "url(http" not in text, path.name
