"""After any kind of edit, an incremental build equals a clean build byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import STORY_EN
from pages import tree
from site_builder.build import BuildOptions, build


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


EDITS = {
    "body": lambda r: edit(r / "content/stories/gbsa-centre.en.md", "opened a centre", "opened its first centre"),
    "zh body": lambda r: edit(r / "content/stories/gbsa-centre.zh.md", "设立中心", "设立了中心"),
    "title": lambda r: edit(r / "content/stories/new-door.en.md", "open a new door", "open a door"),
    "date": lambda r: edit(r / "content/stories/new-door.en.md", "date: 2019-12-10", "date: 2024-06-01"),
    "entity list": lambda r: edit(r / "content/stories/new-door.en.md", "events:", "people: [kang-sungcheon]\nevents:"),
    "event": lambda r: edit(r / "content/stories/new-door.en.md", "date: 2019-11-27", "date: 2019-11"),
    "entity name": lambda r: edit(r / "content/places/chongqing.yaml", "zh: 重庆", "zh: 重庆市"),
    "entity parent": lambda r: edit(r / "content/places/chongqing.yaml", "parent: china", "parent: gyeonggi"),
    "role": lambda r: edit(r / "content/people/kang-sungcheon.yaml", "start: 2023", "start: 2025"),
    "template": lambda r: edit(r / "templates/story.html", "<article class=\"story\">", "<article class=\"story edited\">"),
    "base template": lambda r: edit(r / "templates/base.html", "<footer class=\"site-footer\">", "<footer class=\"site-footer edited\">"),
    "catalog": lambda r: edit(r / "templates/locale/zh/LC_MESSAGES/messages.po", 'msgstr "时间线"', 'msgstr "大事记"'),
    "static": lambda r: edit(r / "templates/static/site.css", ":root {", ":root { --edited: 1;"),
    "site.yaml": lambda r: edit(r / "content/site.yaml", "zh: 测试简报", "zh: 测试简报（新）"),
    "new story": lambda r: (r / "content/stories/third.en.md").write_text(
        STORY_EN.replace("2024-05-09", "2020-01-01").replace("GBSA opens", "A third story says GBSA opens"), "utf-8"),
    "new translation": lambda r: (r / "content/stories/new-door.zh.md").write_text(
        "---\ntitle: 京畿道与重庆开启新大门\n---\n关于[[chongqing]]的报道。\n", "utf-8"),
    "deleted translation": lambda r: (r / "content/stories/gbsa-centre.zh.md").unlink(),
    "deleted story": lambda r: (r / "content/stories/new-door.en.md").unlink(),
    "renamed story": lambda r: (r / "content/stories/new-door.en.md").rename(r / "content/stories/door.en.md"),
    "new entity": lambda r: (r / "content/places/busan.yaml").write_text("name: {en: Busan, zh: 釜山}\nkind: city\nparent: china\n", "utf-8"),
    "new tag": lambda r: edit(r / "content/stories/new-door.en.md", "events:", "tags: [trade]\nevents:"),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_incremental_build_equals_clean_build(make_site, tmp_path, kind):
    root = make_site()
    options = BuildOptions(root / "content", root / "templates", root / "public", cache_dir=root / ".cache")
    build(options)
    EDITS[kind](root)
    report = build(options)
    assert report.rendered < report.pages or kind in ("base template", "site.yaml", "catalog")
    clean = BuildOptions(root / "content", root / "templates", tmp_path / "clean", cache_dir=tmp_path / "clean-cache")
    build(clean)
    assert tree(root / "public") == tree(tmp_path / "clean")


def test_body_edit_rerenders_only_that_storys_pages(make_site):
    root = make_site()
    options = BuildOptions(root / "content", root / "templates", root / "public", cache_dir=root / ".cache")
    build(options)
    EDITS["body"](root)
    report = build(options)
    # The English body is also the fallback nowhere (the story is translated): one page.
    assert report.written == ["en/stories/gbsa-centre/index.html"]
    assert report.markdown_rendered == 1


def test_removed_output_file_is_rewritten(make_site):
    root = make_site()
    options = BuildOptions(root / "content", root / "templates", root / "public", cache_dir=root / ".cache")
    build(options)
    (root / "public/en/timeline/index.html").unlink()
    report = build(options)
    assert report.written == ["en/timeline/index.html"]


def test_deleted_output_directory_triggers_a_full_build(make_site):
    root = make_site()
    options = BuildOptions(root / "content", root / "templates", root / "public", cache_dir=root / ".cache")
    build(options)
    before = tree(root / "public")
    shutil.rmtree(root / "public")
    build(options)
    assert tree(root / "public") == before
