"""Checks on the real content/: the five seed articles as bilingual briefs and their registry.

These tests read content/ directly (YAML front-matter parsed with yaml.safe_load) so that they
do not depend on the engine's internals; the last test runs `python -m site_builder check`.
The seed articles live in ../shared/seeds/ beside the repository (in CI too; on a plain clone
without them, the tests that read them skip).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.content  # `pytest -m content` checks the bundled briefing alone

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
STORIES = CONTENT / "stories"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
KINDS = ("people", "orgs", "places")

# seed file prefix -> (story slug, publication date of the source)
SEED_STORIES = {
    "000": ("gbsa-chongqing-representative-interview", "2024-05-08"),
    "001": ("gbsa-china-innovation-centre-liangjiang", "2024-05-09"),
    "002": ("gyeonggi-chongqing-new-door-2019", "2019-12-10"),
    "003": ("chengdu-korean-partners-2016", "2016-11-04"),
    "004": ("consular-tour-western-chongqing-2024", "2024-07-09"),
}

STORY_KEYS = {"title", "date", "summary", "source", "people", "orgs", "places", "tags",
              "events", "draft"}
SOURCE_KEYS = {"publisher", "title", "url", "author"}
EVENT_KEYS = {"date", "end", "title", "people", "orgs", "places"}
ENTITY_KEYS = {
    "people": {"name", "summary", "roles", "aliases", "sources"},
    "orgs": {"name", "short", "kind", "parent", "place", "summary", "url", "aliases", "sources"},
    "places": {"name", "kind", "parent", "summary", "aliases", "sources"},
}
ROLE_KEYS = {"title", "org", "start", "end"}
ORG_KINDS = {"government", "department", "agency", "company", "association", "media",
             "mission", "zone", "programme", "other"}
PLACE_KINDS = {"country", "province", "municipality", "city", "county", "district", "site",
               "other"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
LINK_RE = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
LATIN_RUN_RE = re.compile(r"[A-Za-z][A-Za-z0-9'’.&-]*(?:[ ,&()-]+[A-Za-z][A-Za-z0-9'’.&-]*)*")
MAX_LATIN_WORDS_IN_ZH = 6  # a name such as "Gyeonggido Business & Science Accelerator"
OVERLAP_N = 10


# ---------------------------------------------------------------- loading helpers
def split_story(path):
    text = path.read_text("utf-8")
    m = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert m, f"{path}: no front-matter"
    meta = yaml.safe_load(m.group(1)) or {}
    assert isinstance(meta, dict), f"{path}: front-matter is not a mapping"
    return meta, m.group(2)


def load_stories():
    stories = {}
    for path in sorted(STORIES.glob("*.md")):
        slug, lang = path.name[:-3].rsplit(".", 1)
        meta, body = split_story(path)
        stories[(slug, lang)] = (path, meta, body)
    return stories


def load_entities():
    entities = {}
    for kind in KINDS:
        for path in sorted((CONTENT / kind).glob("*.yaml")):
            data = yaml.safe_load(path.read_text("utf-8"))
            entities.setdefault(path.stem, []).append((kind, path, data))
    return entities


def as_date(value):
    # YAML may turn an unquoted 2024-05-09 into a date and 2017 into an int.
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def texts(value):
    """(lang, text) pairs of a translatable value; a plain string is (None, text)."""
    if isinstance(value, dict):
        return list(value.items())
    return [(None, value)] if value is not None else []


def zh_texts_of_entity(data):
    out = []
    for field in ("name", "summary"):
        out += [t for lang, t in texts(data.get(field)) if lang == "zh"]
    for role in data.get("roles") or []:
        out += [t for lang, t in texts(role.get("title")) if lang == "zh"]
    return out


STORY_DATA = load_stories()
ENTITY_DATA = load_entities()
ALL_IDS = set(ENTITY_DATA)


def entity_kind(eid):
    return ENTITY_DATA[eid][0][0]


# ---------------------------------------------------------------- seeds -> stories
def seed_files():
    """The seed articles; on a plain clone without ../shared/seeds the tests that need them
    skip, saying why, except under CI=true, where the seeds must be there."""
    files = sorted(SEEDS.glob("*.txt"))
    if not files and os.environ.get("CI") != "true":
        pytest.skip(f"no seed articles in {SEEDS} (a clone without ../shared/seeds; under CI=true this fails)")
    assert files, f"no seed articles found in {SEEDS}"
    return files


def test_every_seed_has_a_story_in_both_languages():
    for seed in seed_files():
        prefix = seed.name.split("_", 1)[0]
        assert prefix in SEED_STORIES, f"seed {seed.name} has no story mapped in this test"
        slug, date = SEED_STORIES[prefix]
        for lang in ("en", "zh"):
            assert (slug, lang) in STORY_DATA, f"seed {seed.name}: missing {slug}.{lang}.md"
        _, meta, _ = STORY_DATA[(slug, "en")]
        assert as_date(meta["date"]) == date, f"{slug}: date should be {date}"
        # the cited headline really is the seed's headline
        norm = lambda s: " ".join(s.split()).lower()  # noqa: E731
        assert norm(meta["source"]["title"]) in norm(seed.read_text("utf-8")), (
            f"{slug}: source.title not found in {seed.name}")


def test_story_front_matter_is_well_formed():
    for (slug, lang), (path, meta, body) in STORY_DATA.items():
        assert ID_RE.match(slug), path
        assert lang in ("en", "zh"), path
        keys = STORY_KEYS | ({"translated_from"} if lang == "zh" else set())  # written by status --ack
        assert not set(meta) - keys, f"{path}: unknown keys {set(meta) - keys}"
        if lang == "zh":
            assert (slug, "en") in STORY_DATA, f"{path}: translation without original"
            assert {"title", "summary"} <= set(meta), f"{path}: translate title and summary"
            assert "events" not in meta, f"{path}: a translation must not replace events"
            continue
        for key in ("title", "date", "summary", "source"):
            assert meta.get(key), f"{path}: {key} is required"
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", as_date(meta["date"])), path
        src = meta["source"]
        assert not set(src) - SOURCE_KEYS, f"{path}: unknown source keys"
        assert src.get("publisher") and src.get("title"), f"{path}: source publisher/title"
        for tag in meta.get("tags") or []:
            assert ID_RE.match(tag), f"{path}: bad tag {tag}"
        for ev in meta.get("events") or []:
            assert not set(ev) - EVENT_KEYS, f"{path}: unknown event keys {set(ev) - EVENT_KEYS}"
            assert DATE_RE.match(as_date(ev["date"])), f"{path}: event date {ev['date']}"
            if "end" in ev:
                assert DATE_RE.match(as_date(ev["end"])), f"{path}: event end {ev['end']}"
                assert as_date(ev["end"]) > as_date(ev["date"]), f"{path}: end before start"
            title = ev.get("title")
            assert isinstance(title, dict) and title.get("en") and title.get("zh"), (
                f"{path}: event title must be an {{en, zh}} map: {title}")


def test_tags_have_display_names():
    site = yaml.safe_load((CONTENT / "site.yaml").read_text("utf-8"))
    names = site.get("tags") or {}
    for (slug, lang), (path, meta, _) in STORY_DATA.items():
        for tag in meta.get("tags") or []:
            assert tag in names and names[tag].get("zh"), f"{path}: tag {tag} has no names"


# ---------------------------------------------------------------- registry
def test_entity_files_are_well_formed():
    for eid, defs in ENTITY_DATA.items():
        assert len(defs) == 1, f"id {eid} used by several entity types: {[d[0] for d in defs]}"
        kind, path, data = defs[0]
        assert ID_RE.match(eid), path
        assert not set(data) - ENTITY_KEYS[kind], f"{path}: unknown keys"
        name = data.get("name")
        assert (name.get("en") if isinstance(name, dict) else name), f"{path}: English name"
        if kind == "orgs":
            assert data.get("kind") in ORG_KINDS, f"{path}: kind {data.get('kind')}"
            if "parent" in data:
                assert entity_kind(data["parent"]) == "orgs", f"{path}: parent"
            if "place" in data:
                assert entity_kind(data["place"]) == "places", f"{path}: place"
        if kind == "places":
            assert data.get("kind") in PLACE_KINDS, f"{path}: kind {data.get('kind')}"
            if "parent" in data:
                assert entity_kind(data["parent"]) == "places", f"{path}: parent"
        for role in data.get("roles") or []:
            assert not set(role) - ROLE_KEYS, f"{path}: unknown role keys"
            assert entity_kind(role["org"]) == "orgs", f"{path}: role org {role['org']}"
            for key in ("start", "end"):
                if key in role:
                    assert DATE_RE.match(as_date(role[key])), f"{path}: role {key}"


def translatables():
    """(where, value) for every human-readable field that may be an {en, zh} map."""
    out = []
    for eid, defs in ENTITY_DATA.items():
        _, path, data = defs[0]
        out += [(f"{path}: {k}", data[k]) for k in ("name", "summary") if k in data]
        out += [(f"{path}: role", r.get("title")) for r in data.get("roles") or []]
    for (path, meta, _) in STORY_DATA.values():
        out += [(f"{path}: {k}", meta[k]) for k in ("title", "summary") if k in meta]
        out += [(f"{path}: event", ev.get("title")) for ev in meta.get("events") or []]
    site = yaml.safe_load((CONTENT / "site.yaml").read_text("utf-8"))
    out += [(f"site.yaml: {k}", site[k]) for k in ("title", "tagline", "description", "licence")
            if k in site]
    out += [(f"site.yaml: tag {t}", v) for t, v in (site.get("tags") or {}).items()]
    return out


def test_translatable_maps_have_only_language_keys():
    # `{en: Director, Big Data Bureau, zh: 局长}` silently becomes a three-key map in YAML
    for where, value in translatables():
        if isinstance(value, dict):
            assert set(value) <= {"en", "zh"}, f"{where}: keys {sorted(map(str, value))}"
            assert all(isinstance(v, str) and v.strip() for v in value.values()), where
        else:
            assert isinstance(value, str) and value.strip(), f"{where}: {value!r}"


def test_registry_is_complete_enough():
    counts = {k: sum(1 for d in ENTITY_DATA.values() if d[0][0] == k) for k in KINDS}
    assert counts["people"] >= 12, counts
    assert counts["orgs"] >= 35, counts
    assert counts["places"] >= 25, counts


def story_references(meta, body):
    """(kind-list name, id) for every id a story mentions: lists, events and [[links]]."""
    refs = []
    for key in KINDS:
        refs += [(key, i) for i in meta.get(key) or []]
    for ev in meta.get("events") or []:
        for key in KINDS:
            refs += [(key, i) for i in ev.get(key) or []]
    refs += [(None, m.group(1).strip()) for m in LINK_RE.finditer(body)]
    return refs


def test_every_story_reference_resolves_to_the_right_kind():
    for (slug, lang), (path, meta, body) in STORY_DATA.items():
        for key, eid in story_references(meta, body):
            assert eid in ALL_IDS, f"{path}: unknown id {eid}"
            if key:
                assert entity_kind(eid) == key, f"{path}: {eid} is not in {key}"


def test_every_entity_is_referenced_by_a_story_or_event():
    referenced = set()
    for (path, meta, body) in STORY_DATA.values():
        referenced |= {eid for _, eid in story_references(meta, body)}
    orphans = sorted(ALL_IDS - referenced)
    assert not orphans, f"entities no story or event mentions: {orphans}"


def test_entities_listed_in_a_story_are_linked_in_both_bodies():
    """Each id in a story's people/orgs/places lists is linked with [[id]] in each language."""
    for (slug, lang), (path, meta, body) in STORY_DATA.items():
        base = STORY_DATA[(slug, "en")][1]
        listed = {i for k in KINDS for i in base.get(k) or []}
        linked = {m.group(1).strip() for m in LINK_RE.finditer(body)}
        missing = listed - linked
        assert not missing, f"{path}: listed but never linked: {sorted(missing)}"


# ---------------------------------------------------------------- Chinese script
def check_zh(text, where):
    assert CJK_RE.search(text), f"{where}: no Chinese characters in {text!r}"
    stripped = LINK_RE.sub(lambda m: m.group(2) or "", text)
    stripped = re.sub(r"\]\([^)]*\)", "]", stripped)  # markdown link targets
    for run in LATIN_RUN_RE.findall(stripped):
        n = len(re.findall(r"[A-Za-z][A-Za-z0-9'’.-]*", run))
        assert n <= MAX_LATIN_WORDS_IN_ZH, f"{where}: long Latin run in Chinese text: {run!r}"


def test_chinese_texts_are_in_chinese_script():
    for eid, defs in ENTITY_DATA.items():
        _, path, data = defs[0]
        for text in zh_texts_of_entity(data):
            check_zh(text, path)
    for (slug, lang), (path, meta, body) in STORY_DATA.items():
        if lang == "zh":
            for key in ("title", "summary"):
                check_zh(str(meta[key]), f"{path}: {key}")
            check_zh(body, f"{path}: body")
        for ev in meta.get("events") or []:
            check_zh(ev["title"]["zh"], f"{path}: event {ev['date']}")
    site = yaml.safe_load((CONTENT / "site.yaml").read_text("utf-8"))
    for key in ("title", "tagline", "description", "licence"):
        for lang, text in texts(site.get(key)):
            if lang == "zh":
                check_zh(text, f"site.yaml: {key}")
    for tag, names in (site.get("tags") or {}).items():
        check_zh(names["zh"], f"site.yaml: tag {tag}")


def test_check_zh_rejects_untranslated_text():
    with pytest.raises(AssertionError):
        check_zh("Governor of Gyeonggi Province", "probe")
    with pytest.raises(AssertionError):
        check_zh("重庆 the meeting was held at the Foreign Affairs Office", "probe")
    check_zh("京畿道GBSA与[[liangjiang-new-area]]签约", "probe")


# ---------------------------------------------------------------- Chinese names
def zh_name(eid):
    name = ENTITY_DATA[eid][0][2]["name"]
    return name.get("zh") if isinstance(name, dict) else None


def latin_names(eid):
    """The entity's English name and aliases (not its abbreviation, which Chinese uses too)."""
    data = ENTITY_DATA[eid][0][2]
    short = data.get("short")
    shorts = set(short.values()) if isinstance(short, dict) else {short}
    names = [english_names()[eid]] + [a for a in data.get("aliases") or [] if a not in shorts]
    return [n for n in names if len(n) >= 4 and re.search(r"[A-Za-z]", n)]


def rendered_zh(text):
    """Text as a zh page shows it: [[id]] becomes the zh name (or the English one it falls back to)."""
    def show(m):
        eid = m.group(1).strip()
        return m.group(2) or zh_name(eid) or english_names()[eid]
    return re.sub(r"\]\([^)]*\)", "]", LINK_RE.sub(show, text))


def without_names_lacking_chinese(text):
    """The text with every name that has no Chinese form taken out (longest first), so that
    what is left is Chinese or Latin words that a Chinese form should have replaced."""
    names = sorted({n for eid in ALL_IDS if not zh_name(eid) for n in latin_names(eid) + [english_names()[eid]]},
                   key=len, reverse=True)
    for name in names:
        text = text.replace(name, "〇")
    return text


def english_where_chinese_exists(text):
    """(id, English name) for each entity with a zh name that the zh text calls by its English name."""
    found = []
    for m in LINK_RE.finditer(text):
        eid, shown = m.group(1).strip(), m.group(2)
        if shown and zh_name(eid) and re.search(r"[A-Za-z]", shown) and not re.search(r"[A-Za-z]", zh_name(eid)):
            found.append((eid, shown))
    plain = without_names_lacking_chinese(rendered_zh(text))
    for eid in sorted(ALL_IDS):
        if zh_name(eid):
            found += [(eid, n) for n in latin_names(eid) if re.search(rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])", plain)]
    return found


def zh_story_texts():
    for (slug, lang), (path, meta, body) in sorted(STORY_DATA.items()):
        if lang == "zh":
            yield f"{path}: title", str(meta["title"])
            yield f"{path}: summary", str(meta["summary"])
            yield f"{path}: body", body
        for event in meta.get("events") or []:  # event titles are {en, zh} maps in the original
            yield f"{path}: event {event['date']}", event["title"]["zh"]


def test_zh_stories_name_entities_by_their_chinese_names():
    for where, text in zh_story_texts():
        assert not english_where_chinese_exists(text), f"{where}: {english_where_chinese_exists(text)}"


def test_the_chinese_name_check_catches_english_names():
    assert english_where_chinese_exists("唐良智会参观Pangyo Techno Valley。") == [
        ("pangyo-techno-valley", "Pangyo Techno Valley")]
    assert english_where_chinese_exists("[[pangyo-techno-valley|Pangyo]]的企业") == [
        ("pangyo-techno-valley", "Pangyo")]
    assert english_where_chinese_exists("[[pangyo-techno-valley]]与Korea Investment Partners") == []


def long_latin_runs(text, words=4):
    """Runs of `words`+ Latin-script words in a sentence, names without a Chinese form aside."""
    runs = []
    for sentence in re.split(r"[。！？；\n]", without_names_lacking_chinese(rendered_zh(text))):
        for run in LATIN_RUN_RE.findall(sentence):
            if len(re.findall(r"[A-Za-z][A-Za-z0-9'’.-]*", run)) >= words:
                runs.append(run)
    return runs


def test_no_zh_sentence_has_four_latin_words_but_names_without_a_chinese_form():
    for where, text in zh_story_texts():
        assert not long_latin_runs(text), f"{where}: {long_latin_runs(text)}"


def test_the_latin_run_check_catches_untranslated_phrases():
    assert long_latin_runs("代表团参观了the film technology studio。") == ["the film technology studio"]
    assert long_latin_runs("陶艺团体[[chengdu-mingyue-ceramic-society]]签署协议。") == []


def test_people_and_organisations_with_a_chinese_name_cite_where_it_was_found():
    for eid, defs in ENTITY_DATA.items():
        kind, path, data = defs[0]
        if kind == "places" or not zh_name(eid):
            continue
        sources = data.get("sources") or []
        assert sources, f"{path}: the Chinese name {zh_name(eid)} has no source"
        for source in sources:
            assert source.get("publisher") and source.get("title"), f"{path}: a source needs publisher and title"


# ---------------------------------------------------------------- own words
WORD = re.compile(r"[A-Za-z0-9’'\-]+|[\u4e00-\u9fff]")


def words(text):
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


def seed_grams(n=OVERLAP_N):
    grams = {}
    for seed in seed_files():
        ws = words(seed.read_text("utf-8", "replace"))
        for i in range(len(ws) - n + 1):
            grams.setdefault(tuple(ws[i:i + n]), seed.name)
    return grams


def shared_runs(body, grams, n=OVERLAP_N):
    """Same rules as ../shared/tools/seed_overlap.py: links reduced to their text, and a short
    quotation (up to 25 words) in quotation marks is allowed."""
    body = re.sub(r"\[\[[^\]|]+\|([^\]]+)\]\]", r"\1", body)
    body = re.sub(r"\[\[([^\]]+)\]\]", r"\1", body)
    body = re.sub(r"[\"“「]([^\"”」\n]+)[\"”」]",
                  lambda m: " " if len(m.group(1).split()) <= 25 else m.group(0), body)
    ws = words(body)
    runs = []
    i = 0
    while i <= len(ws) - n:
        if tuple(ws[i:i + n]) in grams:
            j = i + n
            while j < len(ws) and tuple(ws[j - n + 1:j + 1]) in grams:
                j += 1
            runs.append(" ".join(ws[i:j]))
            i = j
        else:
            i += 1
    return runs


def test_no_story_body_copies_ten_words_from_a_seed():
    grams = seed_grams()
    for (path, meta, body) in STORY_DATA.values():
        runs = shared_runs(body, grams)
        assert not runs, f"{path}: shares runs of {OVERLAP_N}+ words with a seed: {runs}"


def test_overlap_check_catches_a_copied_sentence():
    grams = seed_grams()
    copied = ("By the end of last year, 179 South Korean companies had invested in Chengdu, "
              "the paper said.")
    assert shared_runs(copied, grams)
    assert not shared_runs('He said "By the end of last year, 179 South Korean companies had '
                           'invested in Chengdu."', grams)


def english_names():
    names = {}
    for eid, defs in ENTITY_DATA.items():
        name = defs[0][2]["name"]
        names[eid] = name["en"] if isinstance(name, dict) else name
    return names


def test_english_briefs_are_250_to_500_words():
    names = english_names()
    for (slug, lang), (path, meta, body) in STORY_DATA.items():
        if lang != "en":
            continue
        text = LINK_RE.sub(lambda m: m.group(2) or names.get(m.group(1).strip(), ""), body)
        text = re.sub(r"^#+ .*$", "", text, flags=re.M)          # headings
        text = re.sub(r"\]\([^)]*\)", "]", text)                  # link targets
        n = len(re.findall(r"[A-Za-z0-9$][^\s]*", text))
        assert 250 <= n <= 500, f"{path}: {n} words"


# ---------------------------------------------------------------- the engine agrees
def test_site_builder_check_passes_without_warnings():
    proc = subprocess.run([sys.executable, "-m", "site_builder", "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.strip() == "", proc.stderr
