"""The benchmark corpus generator is deterministic and writes valid content.

No timing here: benchmarks live in benchmarks/ and are run by hand (benchmarks/run.py).
"""
import datetime as dt
import importlib.util
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gen_corpus", ROOT / "benchmarks" / "gen_corpus.py")
gen_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_corpus)

STORY_KEYS = {"title", "date", "summary", "source", "people", "orgs", "places", "tags",
              "events", "draft"}
SOURCE_KEYS = {"publisher", "title", "url", "author"}
EVENT_KEYS = {"date", "end", "title", "people", "orgs", "places"}
PERSON_KEYS = {"name", "summary", "roles", "aliases"}
ROLE_KEYS = {"title", "org", "start", "end"}
ORG_KEYS = {"name", "short", "kind", "parent", "place", "summary", "url"}
PLACE_KEYS = {"name", "kind", "parent", "summary"}
ORG_KINDS = {"government", "department", "agency", "company", "association", "media",
             "mission", "zone", "programme", "other"}
PLACE_KINDS = {"country", "province", "municipality", "city", "county", "district", "site",
               "other"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LINK_RE = re.compile(r"\[\[([^\]|]+)(?:\|[^\]]*)?\]\]")


def snapshot(root: pathlib.Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def front_matter(text):
    assert text.startswith("---\n")
    fm, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(fm), body


def check_date(v, full=False):
    s = v.isoformat() if isinstance(v, dt.date) else str(v)
    if full:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s), s
    parts = [int(x) for x in s.split("-")]
    assert 1 <= len(parts) <= 3, s
    dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    return s


def check_text(t, default_required=True):
    if isinstance(t, str):
        assert t
    else:
        assert isinstance(t, dict) and set(t) <= {"en", "zh"}, t
        if default_required:
            assert "en" in t


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "c"
    gen_corpus.generate(str(out), stories=60, seed=7, untranslated=0.1, drafts=0.05)
    return out


def test_same_bytes_twice(tmp_path, corpus):
    again = tmp_path / "again"
    gen_corpus.generate(str(again), stories=60, seed=7, untranslated=0.1, drafts=0.05)
    assert snapshot(again) == snapshot(corpus)


def test_other_seed_differs(tmp_path, corpus):
    other = tmp_path / "other"
    gen_corpus.generate(str(other), stories=60, seed=8, untranslated=0.1, drafts=0.05)
    assert snapshot(other) != snapshot(corpus)


def test_refuses_to_overwrite_without_force(corpus):
    with pytest.raises(SystemExit):
        gen_corpus.generate(str(corpus), stories=5, seed=1)


def test_content_is_valid(corpus):
    site = yaml.safe_load((corpus / "site.yaml").read_text("utf-8"))
    assert set(site) == {"title", "tagline", "base_url", "languages", "default_language", "tags"}
    assert site["languages"] == ["en", "zh"] and site["default_language"] == "en"

    ents = {}
    for kind, keys in (("people", PERSON_KEYS), ("orgs", ORG_KEYS), ("places", PLACE_KEYS)):
        for f in sorted((corpus / kind).glob("*.yaml")):
            assert ID_RE.match(f.stem), f
            assert f.stem not in ents, f"duplicate id {f.stem}"
            data = yaml.safe_load(f.read_text("utf-8"))
            assert set(data) <= keys, (f, set(data) - keys)
            check_text(data["name"])
            ents[f.stem] = (kind, data)
    kinds = {k: {i for i, (kk, _) in ents.items() if kk == k} for k in ("people", "orgs", "places")}
    assert all(kinds.values())

    for eid, (kind, d) in ents.items():
        if kind == "people":
            for r in d.get("roles", []):
                assert set(r) <= ROLE_KEYS
                check_text(r["title"])
                assert r["org"] in kinds["orgs"]
                for k in ("start", "end"):
                    if k in r:
                        check_date(r[k])
        elif kind == "orgs":
            assert d["kind"] in ORG_KINDS
            assert d.get("parent", next(iter(kinds["orgs"]))) in kinds["orgs"]
            assert d.get("place", next(iter(kinds["places"]))) in kinds["places"]
        else:
            assert d["kind"] in PLACE_KINDS
            assert d.get("parent", next(iter(kinds["places"]))) in kinds["places"]
    for kind, key in (("orgs", "parent"), ("places", "parent")):  # acyclic
        for eid in kinds[kind]:
            seen, cur = set(), eid
            while cur is not None:
                assert cur not in seen, f"cycle through {eid}"
                seen.add(cur)
                cur = ents[cur][1].get(key)

    stories = sorted((corpus / "stories").glob("*.en.md"))
    assert len(stories) == 60
    zh_files = sorted((corpus / "stories").glob("*.zh.md"))
    assert 0 < len(zh_files) < 60
    for f in zh_files:
        assert (corpus / "stories" / f.name.replace(".zh.md", ".en.md")).exists()
        fm, body = front_matter(f.read_text("utf-8"))
        assert set(fm) <= STORY_KEYS and "title" in fm
        assert re.search(r"[\u4e00-\u9fff]{20}", body), "zh body should be in Chinese script"
        for m in LINK_RE.finditer(body):
            assert m.group(1) in ents
    drafts = 0
    for f in stories:
        assert ID_RE.match(f.name[: -len(".en.md")])
        fm, body = front_matter(f.read_text("utf-8"))
        assert set(fm) <= STORY_KEYS, set(fm) - STORY_KEYS
        for k in ("title", "summary"):
            assert isinstance(fm[k], str) and fm[k]
        check_date(fm["date"], full=True)
        assert set(fm["source"]) <= SOURCE_KEYS and fm["source"]["publisher"] and fm["source"]["title"]
        for k in ("people", "orgs", "places"):
            assert all(i in kinds[k] for i in fm.get(k, [])), (f, k)
        assert all(t in site["tags"] or ID_RE.match(t) for t in fm.get("tags", []))
        for ev in fm.get("events", []):
            assert set(ev) <= EVENT_KEYS
            start = check_date(ev["date"])
            if "end" in ev:
                assert check_date(ev["end"]) > start
            check_text(ev["title"])
            for k in ("people", "orgs", "places"):
                assert all(i in kinds[k] for i in ev.get(k, []))
        drafts += bool(fm.get("draft"))
        links = LINK_RE.findall(body)
        assert all(i in ents for i in links)
        assert "\n## " in body
        assert 350 < len(body.split()) < 900
    assert drafts >= 1


def test_scaling_defaults():
    c = gen_corpus.Corpus(10000, 1)
    assert (c.n_people, c.n_orgs, c.n_places) == (2000, 800, 300)
