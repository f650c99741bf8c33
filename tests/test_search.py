"""The search index as part of the build: what is indexed, when, and what a failure does."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from conftest import REPO, SITE_YAML, STORY_EN, TEMPLATES, build_site, clean_tree, options, tree
from pages import parse
from site_builder import pagefind_order, pagefind_run, pagefind_view, search
from site_builder.build import BuildState
from site_builder.cli import main
from site_builder.errors import ContentError

DRAFT = STORY_EN.replace("date: 2024-05-09", "date: 2024-06-01\ndraft: true").replace("GBSA opens", "A draft says GBSA opens")


def entry(public) -> dict:
    return json.loads((public / "pagefind/pagefind-entry.json").read_text("utf-8"))


def test_one_index_per_language_of_story_and_entity_pages_only(make_site):
    root = make_site({"content/stories/draft.en.md": DRAFT})
    build_site(root)
    public = root / "public"
    languages = entry(public)["languages"]
    # 2 published stories and 5 entities in each language; not the draft, not the lists
    assert {lang: about["page_count"] for lang, about in languages.items()} == {"en": 7, "zh-hans": 7}
    bodies = sorted(str(p.relative_to(public)) for p in public.rglob("*.html")
                    if any("data-pagefind-body" in attrs for _, attrs in parse(p).elements))
    assert bodies == sorted(f"{lang}/{folder}/{name}/index.html" for lang in ("en", "zh")
                            for folder, name in [("stories", "gbsa-centre"), ("stories", "new-door"),
                                                 ("people", "kang-sungcheon"), ("orgs", "gbsa"), ("places", "chongqing"),
                                                 ("places", "china"), ("places", "gyeonggi")])


def test_drafts_are_indexed_only_when_drafts_are_built(make_site):
    root = make_site({"content/stories/draft.en.md": DRAFT})
    build_site(root, drafts=True)
    assert entry(root / "public")["languages"]["en"]["page_count"] == 8


def test_filters_and_names_of_every_script(make_site):
    root = make_site()
    build_site(root)
    story = parse(root / "public/zh/stories/gbsa-centre/index.html")
    filters = [attrs["data-pagefind-filter"] for _, attrs in story.elements if "data-pagefind-filter" in attrs]
    assert filters == ["kind:story", "tag", "year:2024"]
    def listed(name: str) -> list:  # the names file search.js fetches for a query of this name
        return json.loads((root / f"public/pagefind/names.zh.{search.name_bucket(name)}.json").read_text("utf-8"))

    gbsa = ["zh/orgs/gbsa/", "Gyeonggi Business & Science Accelerator", "org", ["Gyeonggi Business & Science Accelerator", "GBSA"]]
    assert gbsa in listed("GBSA") and gbsa in listed("gyeonggi business")
    chongqing = ["zh/places/chongqing/", "重庆", "place", ["Chongqing", "重庆"]]
    assert chongqing in listed("重庆") and chongqing in listed("chongqing")
    assert search.name_bucket("重庆") != search.name_bucket("chongqing")
    files = sorted((root / "public/pagefind").glob("names.zh.*.json"))
    assert len(files) == search.NAME_BUCKETS  # every one, so that no fetch of search.js fails
    assert sum(chongqing in json.loads(f.read_text("utf-8")) for f in files) == 2  # its two names' files


def test_search_page_in_both_languages_sitemap_switch_and_header_box(make_site):
    root = make_site()
    build_site(root)
    public = root / "public"
    sitemap = (public / "sitemap.xml").read_text("utf-8")
    assert "/briefing/en/search/</loc>" in sitemap and "/briefing/zh/search/</loc>" in sitemap
    page = parse(public / "en/search/index.html")
    assert [a["href"] for a in page.find("a", hreflang="zh-Hans")] == ["../../zh/search/"]
    assert "Search needs JavaScript" in page.text()
    for path in ("en/index.html", "zh/stories/gbsa-centre/index.html", "en/places/china/index.html", "zh/timeline/index.html"):
        form = [attrs for tag, attrs in parse(public / path).elements if tag == "form" and "site-search" in attrs.get("class", "")]
        assert len(form) == 1 and form[0]["action"].endswith("search/"), path


def test_no_op_and_unrelated_edits_do_not_re_index(make_site):
    root = make_site()
    build_site(root)
    index = root / "public/pagefind/pagefind-entry.json"
    stamp = index.stat().st_mtime_ns
    assert build_site(root).written == []
    css = root / "templates/static/site.css"
    css.write_text(css.read_text("utf-8") + "\n.x { color: red; }\n", "utf-8")
    assert build_site(root).written == ["static/site.css"]
    tagged = root / "content/site.yaml"  # a tag's name is on the story pages: they change, so does the index
    tagged.write_text(tagged.read_text("utf-8").replace("zh: 创新", "zh: 创新合作"), "utf-8")
    written = build_site(root).written
    assert "zh/stories/gbsa-centre/index.html" in written and "pagefind/pagefind-entry.json" in written
    assert index.stat().st_mtime_ns != stamp


def test_a_template_edit_outside_the_indexed_element_re_indexes_nothing(make_site, monkeypatch):
    root = make_site()
    build_site(root)
    indexed = []
    real = pagefind_run.bundles
    monkeypatch.setattr(pagefind_run, "bundles", lambda views, *a: indexed.append(sorted(views)) or real(views, *a))
    base = root / "templates/base.html"
    base.write_text(base.read_text("utf-8").replace("</footer>", "<p>A new line in every footer.</p></footer>", 1), "utf-8")
    written = build_site(root).written
    assert "en/stories/gbsa-centre/index.html" in written and indexed == []
    assert not [f for f in written if f.startswith("pagefind/")]
    story = root / "templates/story.html"  # inside <article data-pagefind-body>: what Pagefind reads
    story.write_text(story.read_text("utf-8").replace("data-pagefind-body", "data-pagefind-body data-extra", 1), "utf-8")
    build_site(root)
    assert indexed == [[0]]


def test_a_view_is_the_html_lang_and_the_whole_indexed_element():
    page = (b'<!DOCTYPE html><html lang="zh-Hans"><head><title>T</title></head><body><header>menu</header>'
            b'<article class="story" data-pagefind-body><h1>A</h1><article><p>inner</p></article>'
            b'<articles-list>x</articles-list><p>after</p></article><footer>f</footer></body></html>')
    view = pagefind_view.view(page)
    assert view == (b'<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"></head><body>'
                    b'<article class="story" data-pagefind-body><h1>A</h1><article><p>inner</p></article>'
                    b'<articles-list>x</articles-list><p>after</p></article></body></html>\n')
    assert pagefind_view.view(page.replace(b" data-pagefind-body", b"")) is None
    assert pagefind_view.view(page.replace(b"</article><footer>", b"<footer>")) is None  # no end: the whole page
    assert pagefind_view.digest(page.replace(b"menu", b"other menu")) == pagefind_view.digest(page)
    # what Pagefind ignores is left out, but for an element holding a filter or meta
    ignored = page.replace(b"<p>after</p>", b'<ul data-pagefind-ignore><li><ul><li>x</li></ul></li></ul><p>after</p>'
                                            b'<section data-pagefind-ignore><p data-pagefind-meta="m">m</p></section>')
    assert pagefind_view.view(ignored) == view.replace(
        b"<p>after</p>", b'<p>after</p><section data-pagefind-ignore><p data-pagefind-meta="m">m</p></section>')


def test_pages_views_give_the_bundle_the_pages_give(tmp_path):
    """Pagefind is given each page's view (pagefind_view.py), not the page: on the bundled
    site the bundle is byte for byte the one the whole pages give. (Pagefind numbers the pages
    in the order it lists their directories: the whole pages are written where the views are,
    in the same order.)"""
    out = tmp_path / "public"
    build_site(tmp_path, content=REPO / "content", templates=TEMPLATES, out=out, cache_dir=tmp_path / "cache")
    indexed = sorted(f for f in tree(out) if search.is_indexed(f))
    assert len(indexed) > 100 and all(pagefind_view.view((out / f).read_bytes()) for f in indexed)
    from_views = pagefind_run.bundles({0: {f: out / f for f in indexed}}, out, 2)[0]
    whole = pagefind_run.scratch_directory(out)
    try:
        pagefind_run.write_views({f: (out / f).read_bytes() for f in indexed}, whole / "0" / "site")
        pagefind_run.run(whole, [0], out, 1)
        assert from_views == pagefind_run.read_bundle(whole / "0" / "bundle", out)
    finally:
        shutil.rmtree(whole)


def test_the_same_pages_give_the_same_index(make_site, tmp_path):
    root = make_site()
    build_site(root)
    build_site(root, out=tmp_path / "again", cache_dir=tmp_path / "cache")
    index = {p: d for p, d in tree(root / "public").items() if p.startswith("pagefind/")}
    assert len(index) > 10 and index == {p: d for p, d in tree(tmp_path / "again").items() if p.startswith("pagefind/")}


def test_a_large_site_is_indexed_in_shards_and_a_story_edit_re_indexes_one(make_site, tmp_path):
    root = make_site({"content/site.yaml": SITE_YAML + "search_shard_size: 4\n"})  # 14 indexed pages: 4 shards
    build_site(root)
    public = root / "public"
    merged = json.loads((public / "pagefind/shards.json").read_text("utf-8"))
    assert len(merged) >= 2 and (public / "pagefind/pagefind.js").is_file()
    counts = {lang: about["page_count"] for lang, about in entry(public)["languages"].items()}
    for directory in merged:  # merged into the first bundle in the browser: its own data only
        bundle = public / "pagefind" / directory
        assert not list(bundle.glob("*.js")) and not list(bundle.glob("wasm.*"))
        for lang, about in json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))["languages"].items():
            counts[lang] += about["page_count"]
    assert counts == {"en": 7, "zh-hans": 7}  # every story and entity page in exactly one shard
    story = root / "content/stories/gbsa-centre.en.md"
    story.write_text(story.read_text("utf-8") + "\nA new paragraph about the centre.\n", "utf-8")
    written = build_site(root).written
    layout = search.Layout.of(tree(public), 4)
    touched = {layout.owner(file) for file in written if file.startswith("pagefind/")} - {None}
    assert (public / search.STAMP).read_text("utf-8").splitlines()[2] == f"shards 4 first {layout.first}"
    assert len(touched) == 1
    build_site(root, out=tmp_path / "clean", cache_dir=tmp_path / "cache")
    assert tree(public) == tree(tmp_path / "clean")


def test_pagefind_files_survive_the_reordering():
    meta = ["1.5.2", [["en_a", 3]], [], [["tag", "en_f"], ["kind", "en_e"]], [], ["date", "title"]]
    assert pagefind_order.read(pagefind_order.written(meta)) == meta
    assert pagefind_order.encode(2**40) == b"\x1b" + (2**40).to_bytes(8, "big")
    with pytest.raises(ValueError):
        pagefind_order.read(b"\x1f\x8b" + b"not gzip")


@pytest.mark.parametrize("binary", ["/bin/false", "missing"])
def test_indexer_failure_is_one_error_and_leaves_the_output(make_site, monkeypatch, capsys, binary):
    root = make_site()
    build_site(root)
    before = tree(root / "public")
    (root / "content/stories/gbsa-centre.en.md").write_text(STORY_EN.replace("opened a centre", "opened its centre"), "utf-8")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", binary if binary != "missing" else str(root / "no-such-pagefind"))
    with pytest.raises(ContentError) as raised:
        build_site(root)
    [problem] = raised.value.problems
    assert problem.message.startswith("search index not built: Pagefind failed: ")
    assert tree(root / "public") == before
    assert not [p.name for p in root.iterdir() if p.name.startswith(".public.")], "work directories left behind"
    assert main(["build"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("public:0: search index not built: Pagefind failed: ") and len(err) == 2, err


def test_serve_re_indexes_once_edits_settle(make_site):
    root = make_site()
    memory = BuildState.watched(options(root, drafts=True))
    build_site(root, memory, drafts=True)  # serve's first build: pages at once, the index when idle
    assert not (root / "public/pagefind").exists() and "search" in memory.unsaved
    search.settle(memory)
    assert entry(root / "public")["languages"]["en"]["page_count"] == 7
    (root / "content/stories/draft.en.md").write_text(DRAFT, "utf-8")
    memory.note([str((root / "content/stories/draft.en.md").resolve())])  # as the watcher does
    report = build_site(root, memory, drafts=True)
    assert not [w for w in report.written if w.startswith("pagefind/")]
    assert entry(root / "public")["languages"]["en"]["page_count"] == 7  # not yet
    search.settle(memory)
    assert entry(root / "public")["languages"]["en"]["page_count"] == 8  # the draft, in serve
    clean = root.parent / "clean"
    shutil.copytree(root / "public", clean)
    assert build_site(root, memory, drafts=True).written == []  # nothing changed: nothing to index
    search.settle(memory)
    assert tree(root / "public") == tree(clean)


def test_serve_stops_indexing_when_a_save_arrives_and_indexes_later(make_site, held_pagefind):
    """A save during `settle` (seconds at scale) must not wait for it: the Pagefind process is
    killed, nothing of the index or the records changes, and the next settle makes it."""
    root = make_site()
    memory = BuildState.watched(options(root, drafts=True))
    build_site(root, memory, drafts=True)
    cancel = threading.Event()
    settling = threading.Thread(target=search.settle, args=(memory, cancel))
    settling.start()
    assert held_pagefind.running(60)
    children = pagefind_children()
    assert children, "no Pagefind process while indexing"
    cancel.set()
    settling.join(10)
    assert not settling.is_alive(), "settle did not stop when cancelled"
    assert not pagefind_children() & children, "a cancelled Pagefind process outlived settle"
    assert not (root / "public/pagefind").exists() and "search" in memory.unsaved  # left for later
    assert not [p.name for p in root.iterdir() if p.name.startswith(".public.search")], "work directory left"
    held_pagefind.release()
    search.settle(memory, threading.Event(), ("snapshot",))  # as serve, idle: all but the snapshot
    assert entry(root / "public")["languages"]["en"]["page_count"] == 7 and memory.unsaved == {"snapshot"}
    search.settle(memory)  # as serve, idle for long, or stopping
    assert not memory.unsaved


def pagefind_children() -> set[int]:
    """This process's children that run Pagefind's binary (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"pagefind" in command:
            found.add(int(stat.parent.name))
    return found


def test_indexed_pages_are_recognised_by_their_path():
    assert search.is_indexed("zh/people/lee-jae-myung/index.html")
    assert search.is_indexed("en/stories/a-story/index.html")
    assert not search.is_indexed("en/stories/index.html")
    assert not search.is_indexed("en/people/lee/feed.xml")
    assert not search.is_indexed("en/tags/trade/index.html")


def test_serve_re_indexes_only_the_shard_of_the_edited_story(make_site, tmp_path):
    root = make_site({"content/site.yaml": SITE_YAML + "search_shard_size: 4\n"})
    memory = BuildState.watched(options(root))
    build_site(root, memory)
    search.settle(memory)
    before = tree(root / "public")
    story = root / "content/stories/gbsa-centre.en.md"
    story.write_text(story.read_text("utf-8") + "\nA new paragraph about the centre.\n", "utf-8")
    memory.note([str(story.resolve())])
    build_site(root, memory)
    search.settle(memory)
    after = tree(root / "public")
    layout = search.Layout.of(after, 4)
    changed = {f for f in after.keys() | before.keys() if before.get(f) != after.get(f) and f.startswith("pagefind/")}
    assert len({layout.owner(f) for f in changed} - {None}) == 1
    build_site(root, out=tmp_path / "clean", cache_dir=tmp_path / "cache")
    assert after == tree(tmp_path / "clean")


def test_a_new_layout_re_indexes_every_shard_and_leaves_none_of_the_old(make_site, tmp_path):
    root = make_site({"content/site.yaml": SITE_YAML + "search_shard_size: 8\n"})  # 14 pages: 2 shards
    build_site(root)
    assert json.loads((root / "public/pagefind/shards.json").read_text("utf-8")) == ["1/"]
    (root / "content/site.yaml").write_text(SITE_YAML + "search_shard_size: 4\n", "utf-8")  # 4 shards
    build_site(root)
    build_site(root, out=tmp_path / "clean", cache_dir=tmp_path / "cache")
    assert tree(root / "public") == tree(tmp_path / "clean")
    (root / "content/site.yaml").write_text(SITE_YAML, "utf-8")  # one bundle again
    build_site(root)
    assert json.loads((root / "public/pagefind/shards.json").read_text("utf-8")) == []
    assert not [p for p in (root / "public/pagefind").iterdir() if p.name.isdigit()]


def edit_story(root: Path, words: str = "A new paragraph about the centre.") -> None:
    story = root / "content/stories/gbsa-centre.en.md"
    story.write_text(story.read_text("utf-8") + f"\n{words}\n", "utf-8")


def test_a_shard_is_indexed_again_over_its_previous_files_and_keeps_only_what_it_names(make_site, tmp_path, monkeypatch):
    """Pagefind skips a fragment or word-index chunk whose file exists: the shard's previous
    files are linked in first; the edited page's old fragment is left out, and the bundle is
    the one a clean build makes."""
    root = make_site()
    build_site(root)
    public = root / "public"
    old_fragments = {p.name for p in (public / "pagefind/fragment").iterdir()}
    linked, real = [], pagefind_run.link_previous
    monkeypatch.setattr(pagefind_run, "link_previous", lambda *a: linked.append(real(*a)) or linked[-1])
    edit_story(root)
    build_site(root)
    assert len(linked) == 1 and len([p for p in linked[0] if p.startswith("fragment/")]) == len(old_fragments)
    new_fragments = {p.name for p in (public / "pagefind/fragment").iterdir()}
    assert old_fragments - new_fragments and new_fragments - old_fragments  # the edited page's, old and new
    assert tree(public) == clean_tree(root, tmp_path / "clean")


def test_a_previous_file_changed_since_it_was_written_is_not_used(make_site):
    root = make_site()
    build_site(root)
    public = root / "public"
    views = {0: {f: public / f for f in sorted(tree(public)) if search.is_indexed(f)}}
    fresh = pagefind_run.bundles(views, public, 2)[0]
    recorded = {path: hashlib.sha1(data).hexdigest() for path, data in fresh.items() if path.startswith(pagefind_order.HASHED)}
    for path in recorded:
        if path.startswith("fragment/"):
            (public / "pagefind" / path).write_bytes(b"changed since")
    again = pagefind_run.bundles(views, public, 2, previous={0: pagefind_run.Previous(public / "pagefind", recorded)})
    assert again[0] == fresh


def test_a_bundle_not_sound_over_the_previous_files_is_made_again_from_nothing(make_site, tmp_path, monkeypatch):
    root = make_site()
    build_site(root)
    verdicts, real = [], pagefind_run.sound
    monkeypatch.setattr(pagefind_run, "sound", lambda *a: verdicts.append(real(*a)) and len(verdicts) > 1)
    edit_story(root)
    build_site(root)
    assert verdicts == [True]  # sound, but taken as not: made again without the links, and not checked again
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_linked_files_are_sound_only_with_their_recorded_bytes_and_outside_a_lengthened_group():
    def sha1(data: bytes) -> str:
        return hashlib.sha1(data).hexdigest()

    bundle = {"fragment/en_abc1234.pf_fragment": b"a", "fragment/en_abc12345.pf_fragment": b"b",
              "fragment/en_fff0000.pf_fragment": b"c", "index/en_1111111.pf_index": b"d", "pagefind.js": b"e"}
    assert pagefind_run.sound(bundle, {"fragment/en_fff0000.pf_fragment": sha1(b"c"), "index/en_1111111.pf_index": sha1(b"d")})
    assert not pagefind_run.sound(bundle, {"index/en_1111111.pf_index": sha1(b"other bytes")})
    # Pagefind lengthened a colliding hash: which page has the short name depends on the order
    assert not pagefind_run.sound(bundle, {"fragment/en_abc1234.pf_fragment": sha1(b"a")})
    assert not pagefind_run.sound(bundle, {"fragment/en_abc12345.pf_fragment": sha1(b"b")})
    assert pagefind_run.sound(bundle, {"gone/en_abc1234.pf_fragment": sha1(b"a")})  # linked, but not kept


def views_store(root: Path) -> Path:
    (store,) = (root / ".cache").glob("search-views-*")
    return store


def test_a_re_index_makes_only_the_views_that_changed_and_equals_a_clean_build(make_site, tmp_path, monkeypatch):
    """The views Pagefind reads are kept in .cache between builds (pagefind_run.ViewStore):
    re-indexing a shard after a story edit makes the views of that story's pages only
    (making all of a 3,300-page shard was a third of a one-story edit at 10,000 stories)."""
    root = make_site({"content/site.yaml": SITE_YAML + "search_shard_size: 8\n"})  # 2 shards
    build_site(root)
    store = views_store(root)
    assert sorted(p.name for p in store.iterdir()) == ["views-2"]
    assert sorted(p.name for p in (store / "views-2").iterdir()) == ["0.views", "1.views"]
    made, real = [], pagefind_run.made_view
    monkeypatch.setattr(pagefind_run, "made_view", lambda source: made.append(real(source)) or made[-1])
    edit_story(root)
    build_site(root)
    # the English page's (the Chinese one's view is as it was: its stale notice is not indexed)
    assert len(made) == 1 and b'<html lang="en">' in made[0] and b"A new paragraph about the centre." in made[0]
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")
    (root / "content/site.yaml").write_text(SITE_YAML, "utf-8")  # another layout: the old store goes
    build_site(root)
    assert sorted(p.name for p in store.iterdir()) == ["views-1"]
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_a_damaged_views_store_is_not_trusted(make_site, tmp_path, monkeypatch):
    """A store whose bytes changed fails its seal: every view of the shard is made again."""
    root = make_site()
    build_site(root)
    (pack,) = (views_store(root) / "views-1").iterdir()  # the one shard
    data = pack.read_bytes()
    pack.write_bytes(data[:-40] + bytes(40))
    made, real = [], pagefind_run.made_view
    monkeypatch.setattr(pagefind_run, "made_view", lambda source: made.append(source) or real(source))
    edit_story(root)
    build_site(root)
    assert len(made) == len([f for f in tree(root / "public") if search.is_indexed(f)])
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_search_work_is_done_in_scratch_and_left_nowhere(make_site, tmp_path, monkeypatch):
    """Views and bundles go to SCRATCH (memory on Linux) when it can be written, else beside
    the output; either way nothing is left after a build, and what a killed build left in
    SCRATCH is removed."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    dead = scratch / f"{pagefind_run.SCRATCH_PREFIX}999999999-abc"  # no such process
    alive = scratch / f"{pagefind_run.SCRATCH_PREFIX}{os.getpid()}-abc"
    for left in (dead, alive):
        (left / "0/site").mkdir(parents=True)
    monkeypatch.setattr(pagefind_run, "SCRATCH", scratch)
    used, real = [], pagefind_run.scratch_directory
    monkeypatch.setattr(pagefind_run, "scratch_directory", lambda out: used.append(real(out)) or used[-1])
    root = make_site()
    build_site(root)
    assert used and all(u.parent == scratch for u in used)
    assert sorted(p.name for p in scratch.iterdir()) == [alive.name]
    monkeypatch.setattr(pagefind_run, "SCRATCH", tmp_path / "none")  # no such directory
    edit_story(root)
    build_site(root)
    assert used[-1].parent == root and not used[-1].exists()
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_a_full_disk_under_the_views_store_writes_the_views_afresh(make_site, tmp_path, monkeypatch, capsys):
    root = make_site()
    build_site(root)
    capsys.readouterr()

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pagefind_run.ViewStore, "update", full)
    edit_story(root)
    build_site(root)
    note = capsys.readouterr().err.strip()
    assert note.startswith("note: cannot write ") and "search-views-" in note and "No space left on device" in note
    assert tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_views_stopped_by_a_save_are_kept_as_they_are(tmp_path, monkeypatch):
    """serve stops re-indexing when a save arrives, possibly while views are being made
    (it is looked at every 100 files): the store then keeps what was made, so the next
    re-index makes only what is still out of date."""
    pages = {}
    for n in range(250):
        page = tmp_path / f"public/en/stories/s{n}/index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f'<html lang="en"><body><article data-pagefind-body><p>Story {n}</p></article></body></html>', "utf-8")
        pages[f"en/stories/s{n}/index.html"] = page
    digests = {f: pagefind_view.digest(path.read_bytes()) for f, path in pages.items()}
    store = pagefind_run.ViewStore(tmp_path / "store")
    store.update("0", pages, digests)
    for f in list(pages)[:150]:  # these pages change
        pages[f].write_text(pages[f].read_text("utf-8").replace("Story", "Changed story"), "utf-8")
    changed = {f: pagefind_view.digest(path.read_bytes()) for f, path in pages.items()}
    cancel = threading.Event()
    made, real = [], pagefind_run.made_view

    def stop_at_the_fiftieth(source):
        made.append(source)
        if len(made) == 50:
            cancel.set()
        return real(source)

    monkeypatch.setattr(pagefind_run, "made_view", stop_at_the_fiftieth)
    with pytest.raises(pagefind_run.Cancelled):
        store.update("0", pages, changed, cancel)
    assert len(made) == 100  # stopped at the next look
    made.clear()
    monkeypatch.setattr(pagefind_run, "made_view", lambda source: made.append(source) or real(source))
    views = store.update("0", pages, changed)
    assert len(made) == 50  # the changed pages not reached before the save
    assert views == {f: pagefind_view.view(pages[f].read_bytes()) for f in pages}
    made.clear()
    assert store.update("0", pages, changed) == views and not made
