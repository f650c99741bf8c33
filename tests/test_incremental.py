"""After any kind of edit, an incremental build equals a clean build byte for byte."""

from __future__ import annotations

import os
import threading
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import STORY_EN, build, clean_tree, options, tree
from site_builder import build as build_module
from site_builder import rebuild, search
from site_builder import write as write_module
from site_builder.assemble import Assembly, assemble
from site_builder import build as pipeline
from site_builder.build import BuildState, FirstPages
from site_builder.errors import ContentError
from site_builder.load import load_content, shown_path


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
    "template": lambda r: edit(r / "templates/story.html", "<article class=\"story\"", "<article class=\"story edited\""),
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
    # Body edits that the snapshot shortcut (snapshot.py) must hand over to a full load, or
    # that reach more than one page:
    "fallback body": lambda r: edit(r / "content/stories/new-door.en.md", "untranslated story", "story"),
    "body link added": lambda r: edit(r / "content/stories/new-door.en.md", "An untranslated", "A [[gbsa]] untranslated"),
    "body link removed": lambda r: edit(r / "content/stories/gbsa-centre.zh.md", "[[kang-sungcheon]]领导的", ""),
    "translation body emptied": lambda r: edit(r / "content/stories/gbsa-centre.zh.md",
                                               "[[kang-sungcheon]]领导的[[gbsa]]在[[chongqing]]设立中心。\n", ""),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_incremental_build_equals_clean_build(make_site, tmp_path, kind):
    root = make_site()
    build(root)
    EDITS[kind](root)
    report = build(root)
    assert report.rendered < report.pages or kind in ("base template", "site.yaml", "catalog")
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_body_edit_rerenders_only_that_storys_pages(make_site):
    root = make_site()
    build(root)
    EDITS["body"](root)
    report = build(root)
    # The English body is also the fallback nowhere (the story is translated): one page,
    # and the search index, which covers that page.
    assert [w for w in report.written if not w.startswith("pagefind/")] == ["en/stories/gbsa-centre/index.html"]
    assert "pagefind/pagefind-entry.json" in report.written
    assert report.markdown_rendered == 1


def test_removed_output_file_is_rewritten(make_site):
    root = make_site()
    build(root)
    (root / "public/en/timeline/index.html").unlink()
    report = build(root)
    assert report.written == ["en/timeline/index.html"]


def test_a_file_removed_by_hand_is_rewritten_by_a_body_edit_build_too(make_site):
    """A body edit trusts the records of the other pages only while no directory of the output
    changed since the last build (state.py's `output_intact`): not after a file was removed."""
    root = make_site()
    build(root)
    (root / "public/zh/timeline/index.html").unlink()
    story = root / "content/stories/gbsa-centre.en.md"
    story.write_text(story.read_text("utf-8").replace("| Companies | 90 |", "| Companies | 91 |"), "utf-8")
    written = build(root).written
    assert "zh/timeline/index.html" in written and "en/stories/gbsa-centre/index.html" in written
    assert build(root).written == []


def test_deleted_output_directory_triggers_a_full_build(make_site):
    root = make_site()
    build(root)
    before = tree(root / "public")
    shutil.rmtree(root / "public")
    build(root)
    assert tree(root / "public") == before


def test_body_edit_skips_loading_the_content(make_site, monkeypatch):
    root = make_site()
    build(root)

    def no_loading(*args, **kwargs):
        raise AssertionError("the content was loaded again")

    monkeypatch.setattr(build_module, "load_content", no_loading)
    EDITS["body"](root)
    report = build(root)
    assert [w for w in report.written if not w.startswith("pagefind/")] == ["en/stories/gbsa-centre/index.html"]
    EDITS["template"](root)  # no content changed: the model comes from the snapshot too
    assert build(root).written


def test_body_edit_then_revert_equals_clean_build(make_site, tmp_path):
    root = make_site()
    story = root / "content/stories/new-door.en.md"
    original, stamp = story.read_bytes(), story.stat()
    build(root)
    EDITS["fallback body"](root)
    build(root)
    EDITS["zh body"](root)  # another story
    build(root)
    story.write_bytes(original)  # back to the snapshot's bytes and, as `cp -p` would, its stamp
    os.utime(story, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    build(root)
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_snapshot_from_another_output_is_not_trusted(make_site, tmp_path):
    root = make_site()
    build(root, out=root / "a")
    EDITS["entity name"](root)
    build(root, out=root / "b")  # the snapshot now reflects the edit; a's pages do not
    EDITS["body"](root)
    build(root, out=root / "a")
    assert tree(root / "a") == clean_tree(root, tmp_path / "clean")


def test_cleared_markdown_cache_loads_the_content_again(make_site, tmp_path):
    root = make_site()
    build(root)
    (root / ".cache/markdown.sqlite").unlink()
    EDITS["template"](root)
    report = build(root)
    assert report.markdown_rendered == 3
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_body_edit_with_unknown_link_is_reported(make_site):
    root = make_site()
    build(root)
    before = tree(root / "public")
    edit(root / "content/stories/new-door.en.md", "An untranslated", "An [[nowhere]] untranslated")
    with pytest.raises(ContentError) as raised:
        build(root)
    assert [(p.path.endswith("new-door.en.md"), p.line) for p in raised.value.problems] == [(True, 16)]
    assert tree(root / "public") == before


def test_serve_memory_keeps_builds_equal_to_clean_builds(make_site, tmp_path):
    """`serve` hands the same BuildState to every build; its records reach disk at flush."""
    root = make_site()
    memory = BuildState.watched(options(root))
    build(root, state=memory)
    for kind in ("body", "title", "zh body", "body link added", "fallback body", "entity name", "template",
                 "new story", "deleted translation", "renamed story", "new entity"):
        before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
        EDITS[kind](root)
        after = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
        memory.note(str(p.resolve()) for p in before.keys() | after.keys() if before.get(p) != after.get(p))  # as the watcher does
        build(root, state=memory)
        assert not list((root / ".cache").glob("pages-*.pickle")), "stale records left on disk"
        clean = clean_tree(root, tmp_path / "clean")
        pages = {path: digest for path, digest in clean.items() if not path.startswith("pagefind/")}
        assert {p: d for p, d in tree(root / "public").items() if not p.startswith("pagefind/")} == pages, kind
        search.settle(memory)  # edits settled: the search index is brought up to date, then the records written
        assert tree(root / "public") == clean, kind
        assert list((root / ".cache").glob("pages-*.pickle"))
    story = root / "content/stories/gbsa-centre.en.md"
    story.write_text(story.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    # a new process; the translation was deleted above, so the Chinese page shows this text too
    written = build(root).written
    assert sorted(w for w in written if not w.startswith("pagefind/")) == ["en/stories/gbsa-centre/index.html",
                                                                          "zh/stories/gbsa-centre/index.html"]
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")  # the index too, re-indexed in this process


def test_replaced_pages_are_deleted_by_another_process(make_site, tmp_path, monkeypatch):
    """From DISCARD_LATER replaced pages on, the old files go to a directory that `rm` deletes
    after the build returned; the output is complete at once and nothing is left behind."""
    import time

    monkeypatch.setattr(write_module, "DISCARD_LATER", 1)
    root = make_site()
    build(root)
    EDITS["base template"](root)
    report = build(root)
    assert len(report.written) > 10
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    shutil.rmtree(root / ".cache")  # no page records: a full build, swapped in whole
    build(root)
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    for _ in range(200):
        left = [p.name for p in root.iterdir() if p.name.startswith(".public")]
        if not left:
            break
        time.sleep(0.05)
    assert left == []


CONTENT_EDITS = [kind for kind in EDITS if kind not in ("template", "base template", "catalog", "static")]


@pytest.mark.parametrize("kind", CONTENT_EDITS)
def test_serve_reads_again_only_the_files_that_changed_and_assembles_as_a_full_load(make_site, kind):
    """`serve` keeps the loaded files and re-reads those whose stamps changed (load.reloaded),
    and assemble reuses the stories whose files it had (assemble.Assembly): after the edit the
    content must equal a fresh load and the model a fresh assemble (the chain of many edits in
    one serve session: test_corpus_incremental.py)."""
    root = make_site()
    opts = options(root)
    memory = BuildState.watched(opts)
    build(root, state=memory)
    first = root / "content/stories/gbsa-centre.en.md"  # a body swapped in first: the snapshot is older
    first.write_text(first.read_text("utf-8") + "\nAn earlier paragraph.\n", "utf-8")
    memory.note([str(first.resolve())])
    build(root, state=memory)
    before = memory.snapshot.content
    EDITS[kind](root)
    memory.note(str(p.resolve()) for p in (root / "content").rglob("*"))  # more than changed: stamps decide
    files = memory.content_files()
    content = memory.reloaded_content(files)
    fresh = load_content(opts.content, shown_path(opts.content))
    if kind == "site.yaml":
        assert content is None, "site.yaml changed: everything must be loaded again"
        return
    since = memory.snapshot.files
    changed = {f"{shown_path(opts.content)}/{rel}" for rel in files if files[rel] != since.get(rel)}
    assert content == fresh
    old = {f.path: f for f in before.stories + before.entities}
    assert {f.path for f in content.stories + content.entities if old.get(f.path) is not f} == changed
    assert len(changed) <= 2
    taken = memory.snapshot
    build(root, state=memory)
    if memory.snapshot is not taken:  # assembled, not a body swapped into the snapshot's site
        assert memory.snapshot.site == assemble(fresh)
        assert memory.snapshot.content == fresh
    else:
        assert "body" in kind


def test_assemble_reuses_only_stories_whose_files_it_had():
    content = load_content(Path(__file__).resolve().parent.parent / "content", "content")
    memo = Assembly()
    site = assemble(content, memo=memo)
    first = dict(memo.stories)
    story = next(f for f in content.stories if f.lang == "en")
    edited = replace(story, fields={**story.fields, "title": replace(story.fields["title"])})  # equal, but a new object
    again = assemble(replace(content, stories=[edited if f is story else f for f in content.stories]), memo=memo)
    assert again == site
    remade = [slug for slug, made in memo.stories.items() if made is not first[slug]]
    assert remade == [story.slug]
    named = next(f for f in content.stories if f.fields.get("people")).fields["people"][0].id
    other = replace(content, entities=[replace(e, id="zz-renamed") if e.id == named else e for e in content.entities])
    with pytest.raises(ContentError):  # whatever named the old id is unknown now: nothing reused hides it
        assemble(other, memo=memo)
    assert memo.stories.keys() == first.keys() and [s for s in memo.stories if memo.stories[s] is not first[s]] == remade


def test_serve_writes_the_edited_story_and_the_pages_shown_before_the_rest(make_site, tmp_path):
    """`serve` puts the edited story's pages, and the story and entity pages browsers show, in
    place before rendering the rest (build.FirstPages); the whole build still equals a clean one."""
    root = make_site()
    memory = BuildState.watched(options(root))
    build(root, state=memory)
    seen = {}

    def ready(files):  # at this moment the other pages are not rendered yet
        seen["files"] = sorted(files)
        seen["story"] = (root / "public/en/stories/new-door/index.html").read_text("utf-8")
        seen["place"] = (root / "public/en/places/chongqing/index.html").read_text("utf-8")
        seen["archive"] = (root / "public/en/stories/index.html").read_text("utf-8")

    EDITS["title"](root)
    memory.note([str((root / "content/stories/new-door.en.md").resolve())])
    shown = frozenset({"/en/places/chongqing/", "/en/people/kang-sungcheon/index.html", "/zh/timeline/"})
    pipeline.build(options(root), state=memory, first=FirstPages(shown, ready))
    # those that changed: the story in both languages (untranslated, the Chinese page shows
    # the English title), the place's page shown in English; not the person's (it does not
    # list the story), nor the timeline (not a story or entity page)
    assert seen["files"] == ["en/places/chongqing/index.html", "en/stories/new-door/index.html",
                             "zh/stories/new-door/index.html"]
    assert "open a door" in seen["story"] and "open a door" in seen["place"]
    assert "open a door" not in seen["archive"]  # written with the rest, afterwards
    assert "open a door" in (root / "public/en/stories/index.html").read_text("utf-8")
    search.settle(memory)
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    seen.clear()
    pipeline.build(options(root), state=memory, first=FirstPages(shown, ready))  # nothing changed: nothing early
    assert seen == {}


def test_serve_writes_a_body_edits_pages_first_and_renders_each_page_once(make_site, tmp_path, monkeypatch):
    """After a body edit the edited story's pages are put in place first too (planning the
    feeds, data files and search check is most of such a build), but not the pages browsers
    show (a body edit changes no other page), and the rest of the build does not render
    them again."""
    root = make_site()
    memory = BuildState.watched(options(root))
    build(root, state=memory)
    seen, rendered = {}, []
    real = pipeline.Renderer.render

    def counted(self, route):
        rendered.append(route.url)
        return real(self, route)

    def ready(files):
        seen["files"] = sorted(files)
        seen["story"] = (root / "public/en/stories/gbsa-centre/index.html").read_text("utf-8")

    monkeypatch.setattr(pipeline.Renderer, "render", counted)
    EDITS["body"](root)
    memory.note([str((root / "content/stories/gbsa-centre.en.md").resolve())])
    shown = frozenset({"/en/places/chongqing/"})
    report = pipeline.build(options(root), state=memory, first=FirstPages(shown, ready))
    assert seen["files"] == ["en/stories/gbsa-centre/index.html"]  # the Chinese page, a translation, is as it was
    assert "opened its first centre" in seen["story"]
    assert rendered.count("en/stories/gbsa-centre/") == 1 and rendered.count("zh/stories/gbsa-centre/") == 1
    assert "en/places/chongqing/" not in rendered
    assert "en/stories/gbsa-centre/index.html" in report.written
    search.settle(memory)
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_serve_leaves_the_data_files_for_its_idle_moment(make_site, tmp_path):
    """A `serve` rebuild leaves the /data/ files and page, the feeds and the sitemap for the idle
    moment after it (build.LaterPages: 3.9 s of a title edit's 8 at 10,000 stories): the pages first, the data
    once idle, and then the site equals a clean build. A save stops the data between two
    files; the next build plans them again and leaves its own."""
    root = make_site()
    memory = BuildState.watched(options(root))
    build(root, state=memory)
    search.settle(memory)
    later = rebuild.LATER
    stories_csv = root / "public/data/stories.csv"
    EDITS["title"](root)
    memory.note([str((root / "content/stories/new-door.en.md").resolve())])
    pipeline.build(options(root), state=memory, later=later)
    assert "open a door" in (root / "public/en/stories/new-door/index.html").read_text("utf-8")
    assert "open a door" not in stories_csv.read_text("utf-8") and memory.later_pages is not None
    assert "open a door" not in (root / "public/en/feed.xml").read_text("utf-8")  # the feeds, the sitemap too
    stopped = threading.Event()
    stopped.set()  # a save arrived
    search.settle(memory, stopped)
    assert "open a door" not in stories_csv.read_text("utf-8") and memory.later_pages is not None
    EDITS["entity name"](root)  # the save: built, the data left again (with the title's change)
    memory.note([str((root / "content/places/chongqing.yaml").resolve())])
    pipeline.build(options(root), state=memory, later=later)
    assert "open a door" not in stories_csv.read_text("utf-8")
    search.settle(memory)  # idle
    assert memory.later_pages is None
    assert "open a door" in stories_csv.read_text("utf-8")
    assert "open a door" in (root / "public/en/feed.xml").read_text("utf-8")
    assert "重庆市" in (root / "public/data/entities.csv").read_text("utf-8")
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    rebuilt = pipeline.build(options(root), state=BuildState(options(root)))  # a new process trusts the records
    assert rebuilt.rendered == 0
