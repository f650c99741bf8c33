"""The translation workflow: translated_from, the states, `status`, the stale notice and the
editors' page, each reached by an edit of a small site built in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import build_site
from pages import parse, resolve, tree
from site_builder import translations
from site_builder.build import BuildOptions, BuildState, build
from site_builder.status import load_site
from site_builder.cli import main
from site_builder.translations import Status, english_text, read_english

EN = "content/stories/gbsa-centre.en.md"
ZH = "content/stories/gbsa-centre.zh.md"
ATOM = "{http://www.w3.org/2005/Atom}"


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def status_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["status", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def states(found: dict) -> dict[str, str]:
    return {s["slug"]: s["state"] for s in found["stories"]}


def git(root: Path, *args: str, date: str = "2025-01-01T12:00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def test_each_state_is_reached_by_an_edit(make_site, capsys):
    root = make_site()
    assert states(status_json(capsys)) == {"gbsa-centre": "unverified", "new-door": "missing"}
    assert main(["status", "--ack", "gbsa-centre"]) == 0
    assert 'translated_from: "' in (root / ZH).read_text("utf-8")
    assert states(status_json(capsys))["gbsa-centre"] == "current"
    # A whitespace-only edit (a paragraph re-wrapped, spaces doubled) changes nothing.
    edit(root, EN, "which opened a centre in", "which  opened\na centre   in")
    assert states(status_json(capsys))["gbsa-centre"] == "current"
    # A figure corrected: stale, with the changed line and a date (not in git: the first look).
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")
    found = status_json(capsys)
    story = next(s for s in found["stories"] if s["slug"] == "gbsa-centre")
    assert story["state"] == "stale" and found["stories"][0] == story  # worst first
    assert story["since_source"] == "cache" and story["since"]
    assert "-| Companies | 90 |" in story["diff"] and "+| Companies | 91 |" in story["diff"]
    assert not any(line.startswith(("-[[", "+[[")) for line in story["diff"])  # the re-wrap is no change
    # The text table says the same, the changed line included.
    capsys.readouterr()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "stale      zh   gbsa-centre" in out and "      +| Companies | 91 |" in out
    # Acknowledged (a typo-level change): current again.
    assert main(["status", "--ack", "gbsa-centre"]) == 0
    assert states(status_json(capsys))["gbsa-centre"] == "current"
    assert (root / ZH).read_text("utf-8").count("translated_from:") == 1


def test_stale_since_and_diff_come_from_git_history(make_site, capsys):
    root = make_site()
    git(root, "init", "-q")
    git(root, "add", "content")
    git(root, "commit", "-qm", "stories", date="2024-06-01T12:00:00")
    assert main(["status", "--ack", "gbsa-centre"]) == 0
    git(root, "commit", "-qam", "translation checked", date="2024-06-02T12:00:00")
    edit(root, EN, "The agency's first centre", "The agency's very first centre")
    git(root, "commit", "-qam", "wording", date="2025-03-04T12:00:00")
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")
    git(root, "commit", "-qam", "figure", date="2025-04-05T12:00:00")
    shutil.rmtree(root / ".cache", ignore_errors=True)  # git alone knows the old text
    story = next(s for s in status_json(capsys)["stories"] if s["slug"] == "gbsa-centre")
    assert (story["state"], story["since"], story["since_source"]) == ("stale", "2025-03-04", "git")
    assert "-summary: The agency's first centre in China opens in Liangjiang." in story["diff"]
    assert "+| Companies | 91 |" in story["diff"]


def test_translate_writes_a_current_translation(make_site, capsys):
    root = make_site()
    assert main(["new", "story", "--translate", "new-door"]) == 0
    written = (root / "content/stories/new-door.zh.md").read_text("utf-8")
    assert 'title: {en: "Gyeonggi and Chongqing open a new door"}' in written
    assert states(status_json(capsys))["new-door"] == "current"
    assert main(["new", "story", "--translate", "new-door"]) == 1  # it exists now
    assert main(["new", "story", "--translate", "no-such-story"]) == 1
    assert main(["new", "person", "--translate", "new-door"]) == 2
    build_site(root)
    page = parse(root / "public/zh/stories/new-door/index.html")
    assert page.find("h1", lang="en")  # the English title is marked as English until translated
    assert page.find("link", rel="alternate", hreflang="zh-Hans")  # a real translation


def test_strict_exit_codes(make_site, capsys):
    root = make_site()
    assert main(["status", "--strict"]) == 1  # unverified and missing
    assert "1 missing, 1 unverified" in capsys.readouterr().err
    assert main(["status", "--strict=stale"]) == 0
    assert main(["status", "--strict=unverified,stale"]) == 1
    assert main(["status", "--ack", "gbsa-centre", "--strict=unverified,stale"]) == 0
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")
    assert main(["status", "--strict=stale"]) == 1
    assert main(["status", "--strict=name"]) == 1  # Kang Sungcheon and GBSA have no Chinese name
    assert main(["status", "--strict=catalog"]) == 0
    assert main(["status", "--strict=stal"]) == 2
    assert "unknown kind 'stal'" in capsys.readouterr().err
    (root / "content/stories/new-door.en.md").unlink()
    assert main(["status", "--strict"]) == 1  # the stale one


def test_stale_notice_on_the_zh_page_and_in_feeds(make_site):
    root = make_site()
    assert main(["status", "--ack", "gbsa-centre"]) == 0
    build_site(root)
    zh_page = root / "public/zh/stories/gbsa-centre/index.html"
    assert not parse(zh_page).find("p", **{"class": "notice stale-notice"})
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")  # a body edit: the snapshot's shortcut
    build_site(root)
    page = parse(zh_page)
    notice = page.text_in(lambda stack: any(a.get("class") == "notice stale-notice" for _, a in stack))
    assert "本文原文已于" in notice and "更新" in notice
    link = [a for t, a in page.elements if t == "a" and a.get("hreflang") == "en" and "stories/gbsa-centre" in a.get("href", "")]
    target = resolve(root / "public", "zh/stories/gbsa-centre/", link[0]["href"], "/")
    assert target and target[0] == root / "public/en/stories/gbsa-centre/index.html"
    # Still a real translation: its own canonical URL and hreflang alternates.
    assert page.find("link", rel="canonical", href="https://example.org/briefing/zh/stories/gbsa-centre/")
    assert page.find("link", rel="alternate", hreflang="zh-Hans")
    assert not parse(root / "public/en/stories/gbsa-centre/index.html").find("p", **{"class": "notice stale-notice"})
    for feed in ("zh/feed.xml", "zh/orgs/gbsa/feed.xml"):
        entries = ET.parse(root / "public" / feed).getroot().findall(f"{ATOM}entry")
        summary = next(e for e in entries if e.find(f"{ATOM}id").text.endswith("/gbsa-centre/")).find(f"{ATOM}summary")
        assert summary.text.startswith("【原文已于") and not list(summary)  # text only
    assert "原文已于" not in (root / "public/en/feed.xml").read_text("utf-8")
    # Updated: the notice goes, on the next build.
    assert main(["status", "--ack", "gbsa-centre"]) == 0
    build_site(root)
    assert not parse(zh_page).find("p", **{"class": "notice stale-notice"})
    assert "原文已于" not in (root / "public/zh/feed.xml").read_text("utf-8")


def test_incremental_build_with_a_stale_translation_equals_a_clean_build(make_site, tmp_path):
    root = make_site()
    main(["status", "--ack", "gbsa-centre"])
    build_site(root)
    edit(root, EN, "which opened a centre", "which opened its first centre")
    report = build_site(root)
    assert "zh/stories/gbsa-centre/index.html" in report.written and "zh/feed.xml" in report.written
    # The clean build knows what the incremental one knows of the translated text (--ack's
    # record: outside git, the only place the old text and the stale date are kept).
    (tmp_path / "clean-cache").mkdir()
    shutil.copy(root / ".cache/translations.pickle", tmp_path / "clean-cache/translations.pickle")
    build(BuildOptions(root / "content", root / "templates", tmp_path / "clean", cache_dir=tmp_path / "clean-cache"))
    assert tree(root / "public") == tree(tmp_path / "clean")


def test_serve_marks_the_translation_stale_at_once(make_site):
    root = make_site()
    main(["status", "--ack", "gbsa-centre"])
    options = BuildOptions(root / "content", root / "templates", root / "public", cache_dir=root / ".cache", drafts=True)
    memory = BuildState.watched(options)
    build(options, state=memory)
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")
    memory.note([str((root / EN).resolve())])  # as the watcher does
    report = build(options, state=memory)
    assert "zh/stories/gbsa-centre/index.html" in report.written
    assert parse(root / "public/zh/stories/gbsa-centre/index.html").find("p", **{"class": "notice stale-notice"})
    assert "stale" in (root / "public/zh/translations/index.html").read_text("utf-8")
    patched = memory.translation_memo.last  # its index and stale dates patched from the last build's
    made = Status(patched.stories, patched.entities)
    assert patched.index == made.index and patched.stale == made.stale and patched.stale
    # serve keeps each story's states while its versions stay (translation_memo.StatusMemo): the
    # figure put back, the story is current again, on its page and on the editors' page
    edit(root, EN, "| Companies | 91 |", "| Companies | 90 |")
    memory.note([str((root / EN).resolve())])
    build(options, state=memory)
    patched = memory.translation_memo.last
    assert patched.index == Status(patched.stories, patched.entities).index and not patched.stale
    assert not parse(root / "public/zh/stories/gbsa-centre/index.html").find("p", **{"class": "notice stale-notice"})
    assert "stale" not in (root / "public/zh/translations/index.html").read_text("utf-8")


def test_translations_page_matches_status_json(make_site, capsys):
    root = make_site()
    main(["status", "--ack", "gbsa-centre"])
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")
    build_site(root)
    found = status_json(capsys)
    for lang in ("en", "zh"):
        page = parse(root / f"public/{lang}/translations/index.html")
        assert page.find("meta", name="robots", content="noindex")
        rows = [(a["data-slug"], a["data-lang"], a["data-state"]) for t, a in page.elements if t == "tr" and "data-state" in a]
        assert rows == [(s["slug"], s["lang"], s["state"]) for s in found["stories"]]
        entities = [(a["data-id"], a["data-missing"]) for t, a in page.elements if t == "tr" and "data-missing" in a]
        assert entities == [(e["id"], " ".join(e["missing"])) for e in found["entities"]]
    assert "改动的段落" in (root / "public/zh/translations/index.html").read_text("utf-8")
    assert "The original changed on" in (root / "public/en/translations/index.html").read_text("utf-8")  # in either interface
    for listing in ("sitemap.xml", "en/feed.xml", "zh/feed.xml"):
        assert "translations/" not in (root / "public" / listing).read_text("utf-8")


@pytest.mark.parametrize("value, message", [
    ("[a, b]", "translated_from: expected text, not a list"),
    ('"xyz"', "translated_from: expected the 12-digit hex digest that 'python -m site_builder status --ack' writes, got 'xyz'"),
    ("123456789012", "translated_from: expected text, but YAML reads '123456789012' as the number 123456789012: put it in quotes"),
])
def test_translated_from_is_checked(make_site, capsys, value, message):
    make_site({ZH: f"---\ntitle: 标题\ntranslated_from: {value}\n---\n正文。\n"})
    assert main(["check"]) == 1
    assert f"content/stories/gbsa-centre.zh.md:3: {message}" in capsys.readouterr().err.splitlines()


def test_translated_from_belongs_to_translations_only(make_site, capsys):
    root = make_site()
    edit(root, EN, "date: 2024-05-09\n", 'date: 2024-05-09\ntranslated_from: "0123456789ab"\n')
    assert main(["check"]) == 1
    assert "content/stories/gbsa-centre.en.md:4: unknown key 'translated_from'" in capsys.readouterr().err


def test_file_digest_equals_the_models(make_site):
    """git history is matched by reading old files leniently: it must agree with the model."""
    root = make_site()
    edit(root, EN, "title: {en: GBSA and Liangjiang sign an agreement, zh: GBSA与两江新区签署协议}",
         "title: {zh: GBSA与两江新区签署协议}")
    site = load_site(root / "content")
    assert read_english(root / EN, "en").digest == site.stories["en"]["gbsa-centre"].translatable
    assert english_text("no front-matter", "en") is None


def test_entities_without_zh_names_or_summaries(make_site, capsys):
    make_site({"content/places/china.yaml": "name: {en: China}\nsummary: {en: A country.}\nkind: country\n"})
    entities = {e["id"]: e["missing"] for e in status_json(capsys)["entities"]}
    assert entities["china"] == ["name", "summary"]
    assert entities["gbsa"] == ["name"]
    assert "chongqing" not in entities  # named in Chinese, no summary to translate


def test_catalog_counts(make_site, capsys):
    root = make_site()
    edit(root, "templates/locale/zh/LC_MESSAGES/messages.po", 'msgstr "时间线"', 'msgstr ""')
    catalogs = status_json(capsys)["catalogs"]
    assert [(c["lang"], c["untranslated"], c["fuzzy"], c["stale"]) for c in catalogs] == [("zh", 1, 0, 0)]


def test_status_reads_the_snapshot_without_loading(make_site, monkeypatch, capsys):
    root = make_site()
    main(["status", "--ack", "gbsa-centre"])
    build_site(root)
    edit(root, EN, "| Companies | 90 |", "| Companies | 91 |")  # a body edit after the build

    def no_loading(*args, **kwargs):
        raise AssertionError("status loaded the content again")

    from site_builder import status as status_module
    monkeypatch.setattr(status_module, "load_site", no_loading)
    assert states(status_json(capsys))["gbsa-centre"] == "stale"


def test_status_reads_only_what_changed_and_agrees_with_a_fresh_load(make_site, monkeypatch, capsys):
    """After each kind of edit `status` re-reads the changed files alone (no full load) and
    knows what loading and assembling everything would tell it."""
    from site_builder import status as status_module
    from site_builder.translation_facts import of_site

    root = make_site()
    build_site(root)
    loads = []
    real_load = status_module.load_site
    monkeypatch.setattr(status_module, "load_site", lambda content: loads.append(content) or real_load(content))
    content, cache = root / "content", root / ".cache"
    steps = {
        "title edit": lambda: edit(root, EN, "opens its first", "opens its first ever"),
        "event title edit": lambda: edit(root, EN, "sign an agreement", "sign a deal"),
        "acknowledged": lambda: main(["status", "--ack", "gbsa-centre"]),
        "translation started": lambda: main(["new", "story", "--translate", "new-door"]),
        "translation made a draft": lambda: edit(root, "content/stories/new-door.zh.md", "translated_from:", "draft: true\ntranslated_from:"),
        "entity lost its zh name": lambda: edit(root, "content/places/china.yaml", ", zh: 中国", ""),
        "entity added": lambda: (content / "places" / "busan.yaml").write_text("name: {en: Busan}\nsummary: {en: A city.}\nkind: city\n", "utf-8"),
        "entity removed": lambda: (content / "places" / "busan.yaml").unlink(),
        "original made a draft": lambda: edit(root, "content/stories/new-door.en.md", "\ndate:", "\ndraft: true\ndate:"),
        "translation removed": lambda: (root / ZH).unlink(),
        "story added": lambda: (content / "stories" / "later.en.md").write_text(
            (root / "content/stories/new-door.en.md").read_text("utf-8").replace("draft: true\n", ""), "utf-8"),
    }
    for name, step in steps.items():
        step()
        capsys.readouterr()
        fast = status_module.current_facts(content, root / "templates", cache)
        assert not loads, f"{name}: status loaded everything"
        fresh = of_site(fast.key, fast.files, real_load(content), "content")
        assert (fast.stories, fast.entities) == (fresh.stories, fresh.entities), name
    assert "later" in fast.stories and "new-door" not in fast.stories and fast.stories["gbsa-centre"].translations == (("zh", None, None),)
    (content / "site.yaml").write_text((content / "site.yaml").read_text("utf-8") + "\n", "utf-8")  # the languages may have changed
    status_module.current_facts(content, root / "templates", cache)
    assert loads, "site.yaml changed: everything is loaded again"


def test_text_lines_split_blocks_not_soft_breaks():
    lines = translations.text_lines("T", "S", ["E"], "One\nparagraph.\n\n- a\n- b\n\n| x |\n| y |\n")
    assert lines == ("title: T", "summary: S", "event 1: E", "body:", "One paragraph.", "- a", "- b", "| x |", "| y |")
