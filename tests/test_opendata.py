"""/data/: the CSV tables, the Data Package, SQLite, JSON-LD and per-entity JSON, checked
against the model of the site they were built from."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PERSON, REPO, build_site
from pages import broken_links, built_page, json_ld, parse
from sites import need
from site_builder.assemble import assemble
from site_builder.load import load_content
from site_builder.opendata import TABLE_NAMES, build_tables

BASE = "https://example.org/briefing/"
SOURCES = "sources:\n  - publisher: iChongqing\n    title: GBSA opens its centre\n    date: 2024-05\n"


@pytest.fixture
def built(make_site) -> tuple[Path, object]:
    root = make_site({"content/people/kang-sungcheon.yaml": PERSON + SOURCES})
    build_site(root)
    return root / "public", assemble(load_content(root / "content", "content"))


def rows(public: Path, name: str) -> list[dict[str, str]]:
    data = (public / "data" / f"{name}.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") is False, "no byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def page_of(public: Path, url: str) -> Path:
    return built_page(public, url, BASE)


def test_tables_are_listed_in_the_order_they_are_built(built):
    _, site = built
    assert tuple(t.name for t in build_tables(site)) == TABLE_NAMES


def test_csv_rows_match_the_model(built):
    public, site = built
    stories = site.stories["en"]
    entities = rows(public, "entities")
    assert [r["id"] for r in entities] == list(site.entities)
    chongqing = next(r for r in entities if r["id"] == "chongqing")
    assert (chongqing["name_en"], chongqing["name_zh"], chongqing["parent"], chongqing["type"]) == ("Chongqing", "重庆", "china", "place")
    assert chongqing["stories"] == "2" and chongqing["first_mentioned"] == "2019-12-10" and chongqing["last_mentioned"] == "2024-05-09"
    assert next(r for r in entities if r["id"] == "gbsa")["name_zh"] == "", "no invented Chinese name"
    assert next(r for r in entities if r["id"] == "gbsa")["short"] == "GBSA"

    story_rows = rows(public, "stories")
    assert [r["slug"] for r in story_rows] == list(stories) == ["gbsa-centre", "new-door"]
    # The states of translations.py: the small site's translation records no `translated_from`.
    assert {r["slug"]: r["status_zh"] for r in story_rows} == {"gbsa-centre": "unverified", "new-door": "missing"}
    assert story_rows[0]["title_zh"] == "GBSA在重庆设立首个中国创新中心" and story_rows[1]["title_zh"] == ""
    assert story_rows[0]["url_zh"] == BASE + "zh/stories/gbsa-centre/" and story_rows[0]["source_author"] == "Dai Yuan"

    mentions = {(r["story"], r["entity"], r["where"]) for r in rows(public, "mentions")}
    assert ("gbsa-centre", "kang-sungcheon", "front-matter") in mentions
    assert ("gbsa-centre", "kang-sungcheon", "body") in mentions
    assert ("new-door", "chongqing", "event") in mentions and ("new-door", "chongqing", "body") in mentions
    for slug, version in stories.items():
        assert {e for s, e, _ in mentions if s == slug} == set(version.mentions)

    events = rows(public, "events")
    model_events = [e for v in stories.values() for e in v.events]
    assert len(events) == len(model_events) == 3
    ranged = next(r for r in events if r["end"])
    assert (ranged["date"], ranged["precision"], ranged["start"], ranged["end"], ranged["end_precision"]) == \
        ("2015-10", "month", "2015-10-01", "2016-03", "month")
    links = rows(public, "event_entities")
    assert len(links) == sum(len(set(e.entities)) for e in model_events)

    roles = rows(public, "roles")
    assert roles == [{"person": "kang-sungcheon", "position": "1", "title_en": "President", "title_zh": "院长",
                      "org": "gbsa", "start": "2023", "end": ""}]

    relations = rows(public, "relations")
    curated = {(r["source"], r["target"], r["type"]) for r in relations if r["basis"] == "curated"}
    assert curated == {("chongqing", "china", "parent"), ("gbsa", "gyeonggi", "place"), ("kang-sungcheon", "gbsa", "role")}
    co = [r for r in relations if r["basis"] == "co-mention"]
    assert len(co) == sum(len(v) for v in site.related["en"].values())
    pair = next(r for r in co if (r["source"], r["target"]) == ("chongqing", "gbsa"))
    assert pair["weight"] == "1" and pair["stories"] == "gbsa-centre"

    # Every foreign key resolves.
    ids, slugs, anchors = {r["id"] for r in entities}, {r["slug"] for r in story_rows}, {r["id"] for r in events}
    assert {r[k] for r in entities for k in ("parent", "place") if r[k]} <= ids
    assert {m[1] for m in mentions} <= ids and {m[0] for m in mentions} <= slugs
    assert {r["story"] for r in events} <= slugs
    assert {r["event"] for r in links} <= anchors and {r["entity"] for r in links} <= ids
    assert {r[k] for r in roles for k in ("person", "org") if r[k]} <= ids
    assert {r[k] for r in relations for k in ("source", "target")} <= ids


def test_the_data_package_is_valid_frictionless(built):
    try:
        import frictionless
    except ImportError:
        frictionless = None
    need(frictionless is not None, "frictionless is not installed (pip install -e .[test])")
    public, _ = built
    package = json.loads((public / "data/datapackage.json").read_text("utf-8"))
    assert package["title"] == "Test Briefing" and [r["name"] for r in package["resources"]] == list(TABLE_NAMES)
    report = frictionless.validate(str(public / "data/datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_broken_foreign_key_fails_frictionless(built, tmp_path):
    """The validation above can fail: a mention of an unknown entity is reported."""
    try:
        import frictionless
    except ImportError:
        frictionless = None
    need(frictionless is not None, "frictionless is not installed")
    public, _ = built
    copy = tmp_path / "data"
    copy.mkdir()
    for f in (public / "data").glob("*.*"):
        (copy / f.name).write_bytes(f.read_bytes())
    with (copy / "mentions.csv").open("a", encoding="utf-8", newline="") as f:
        f.write("gbsa-centre,nobody,body\r\n")
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


def test_sqlite_has_keys_and_searches_both_scripts(built):
    public, site = built
    db = sqlite3.connect(public / "data/briefing.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in TABLE_NAMES:
        assert db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == len(rows(public, table)), table
    keys = {row[2] for row in db.execute("PRAGMA foreign_key_list(mentions)")}
    assert keys == {"stories", "entities"}
    search = "SELECT kind, id FROM search WHERE search MATCH ? ORDER BY rank"
    assert ("entity", "chongqing") in db.execute(search, ("Chongqing",)).fetchall()
    assert db.execute(search, ("京畿道",)).fetchall() == [("entity", "gyeonggi")]
    assert db.execute(search, ("创新中心",)).fetchall() == [("story", "gbsa-centre")]
    assert ("event", "event-gbsa-centre-1") in db.execute(search, ("签署协议",)).fetchall()
    # The analyst's question: with whom does Chongqing appear most, and in which stories?
    answer = db.execute("""SELECT target, weight, stories FROM relations
                           WHERE source = 'chongqing' AND basis = 'co-mention' ORDER BY rank""").fetchall()
    assert answer and answer[0][1] >= answer[-1][1]
    assert {t for t, _, _ in answer} == {i for i, _ in site.related["en"]["chongqing"]}


def test_the_graph_has_every_entity_and_story_and_its_ids_are_pages(built):
    public, site = built
    graph = json.loads((public / "data/graph.jsonld").read_text("utf-8"))
    assert graph["@context"] == "https://schema.org"
    nodes = {node["@id"]: node for node in graph["@graph"]}
    assert {BASE + f"en/{ {'person': 'people', 'org': 'orgs', 'place': 'places'}[e.type] }/{e.id}/" for e in site.entities.values()} <= set(nodes)
    assert BASE + "en/stories/gbsa-centre/" in nodes and BASE + "zh/stories/gbsa-centre/" in nodes
    assert BASE + "zh/stories/new-door/" not in nodes, "a fallback page is not a translation"
    assert nodes[BASE + "zh/stories/gbsa-centre/"]["translationOfWork"] == {"@id": BASE + "en/stories/gbsa-centre/"}
    assert nodes[BASE + "en/places/chongqing/"]["containedInPlace"] == {"@id": BASE + "en/places/china/"}

    def ids(value):
        if isinstance(value, dict):
            if "@id" in value:
                yield value["@id"]
            for v in value.values():
                yield from ids(v)
        elif isinstance(value, list):
            for v in value:
                yield from ids(v)

    found = set(ids(graph))
    assert found <= set(nodes), "every reference is a node of the graph"
    for url in found:
        page_of(public, url)
    # The same ids as the pages' own JSON-LD, in both languages.
    for path in [public / "zh/places/chongqing/index.html", public / "en/stories/gbsa-centre/index.html"]:
        assert json_ld(path)["@id"] in nodes


def test_entity_json_is_linked_from_its_page_and_holds_the_box(built):
    public, site = built
    for entity in site.entities.values():
        data = json.loads((public / f"data/entities/{entity.id}.json").read_text("utf-8"))
        assert data["id"] == entity.id and data["name"] == dict(entity.name.values)
    kang = json.loads((public / "data/entities/kang-sungcheon.json").read_text("utf-8"))
    assert kang["roles"] == [{"title": {"en": "President", "zh": "院长"}, "org": "gbsa", "start": "2023", "end": None, "current": True}]
    assert {"target": "gbsa", "type": "role", "weight": 1, "basis": "curated"} in kang["relations"]
    assert kang["stories"] == 1 and kang["first_mentioned"] == kang["last_mentioned"] == "2024-05-09"
    assert kang["sources"] == [{"publisher": {"en": "iChongqing"}, "title": {"en": "GBSA opens its centre"},
                                "date": "2024-05", "url": None}]
    for lang in ("en", "zh"):
        page = parse(public / f"{lang}/people/kang-sungcheon/index.html")
        assert "../../../data/entities/kang-sungcheon.json" in {a.get("href") for a in page.find("a")}


def test_data_page_in_both_languages_is_linked_from_every_footer(built):
    public, _ = built
    for lang in ("en", "zh"):
        page = parse(public / f"{lang}/data/index.html")
        hrefs = {a.get("href") for a in page.find("a")}
        for name in [*TABLE_NAMES]:
            assert f"../../data/{name}.csv" in hrefs
        assert {"../../data/briefing.sqlite", "../../data/datapackage.json", "../../data/graph.jsonld"} <= hrefs
        text = page.text()
        assert "name_zh" in text and "relations.csv" in text
    assert "开放数据" in parse(public / "zh/data/index.html").text()
    for path in [public / "en/index.html", public / "zh/stories/gbsa-centre/index.html", public / "en/places/china/index.html"]:
        footer = path.read_text("utf-8").split('<footer class="site-footer">', 1)[1]
        assert "data/\">" in footer
    assert not broken_links(public, "/briefing/")
    sitemap = (public / "sitemap.xml").read_text("utf-8")
    assert BASE + "en/data/" in sitemap and BASE + "zh/data/" in sitemap


def build_in_process(root: Path, out: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "site_builder", "build", "--content", "content", "--templates", "templates",
                    "--out", out], cwd=root, env={**os.environ, **env, "PYTHONPATH": str(REPO)}, check=True, capture_output=True)


@pytest.mark.slow  # two builds in new processes
def test_data_bytes_do_not_depend_on_time_zone_or_hash_seed(make_site, tmp_path):
    root = make_site()
    build_in_process(root, "one", {"TZ": "Asia/Shanghai", "PYTHONHASHSEED": "1"})
    (root / ".cache").rename(root / ".cache-one")  # the second build is cold too
    build_in_process(root, "two", {"TZ": "America/Los_Angeles", "PYTHONHASHSEED": "4242"})
    one = {p.relative_to(root / "one"): p.read_bytes() for p in sorted((root / "one/data").rglob("*")) if p.is_file()}
    two = {p.relative_to(root / "two"): p.read_bytes() for p in sorted((root / "two/data").rglob("*")) if p.is_file()}
    assert len(one) == len(TABLE_NAMES) + 3 + 5  # the site-wide files and one per entity
    assert one == two


def test_a_body_edit_that_makes_a_translation_stale_updates_stories_csv(make_site):
    from site_builder.translations import text_digest
    root = make_site()
    build_site(root)
    digest = text_digest("GBSA opens its first China innovation centre in Chongqing",
                         "The agency's first centre in China opens in Liangjiang.",
                         ["GBSA and Liangjiang sign an agreement"],
                         (root / "content/stories/gbsa-centre.en.md").read_text("utf-8").split("---\n", 2)[2])
    zh = root / "content/stories/gbsa-centre.zh.md"
    zh.write_text(zh.read_text("utf-8").replace("---\ntitle:", f"---\ntranslated_from: {digest}\ntitle:", 1), "utf-8")
    build_site(root)
    assert rows(root / "public", "stories")[0]["status_zh"] == "current"
    en = root / "content/stories/gbsa-centre.en.md"
    en.write_text(en.read_text("utf-8").replace("opened a centre", "opened its first centre"), "utf-8")
    report = build_site(root)  # a body edit: the snapshot's shortcut
    assert "data/stories.csv" in report.written and "data/briefing.sqlite" in report.written
    assert "data/relations.csv" not in report.written
    assert rows(root / "public", "stories")[0]["status_zh"] == "stale"


def test_an_edit_rewrites_only_the_data_files_whose_bytes_change(make_site):
    root = make_site()
    build_site(root)
    assert not [p for p in build_site(root).written if p.startswith("data/")], "a no-op build writes nothing"
    path = root / "content/stories/new-door.en.md"
    path.write_text(path.read_text("utf-8").replace("open a new door", "open a door"), "utf-8")
    written = sorted(p for p in build_site(root).written if p.startswith("data/"))
    assert written == ["data/briefing.sqlite", "data/graph.jsonld", "data/stories.csv"]
