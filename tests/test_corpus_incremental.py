"""Issue #6's correctness guard, at the scale where the shortcuts matter: on a generated
corpus of a few hundred stories (so pages are rendered by two processes), a chain of edits
of every kind, each followed by an incremental build that must equal a clean build byte for
byte. The edits accumulate, as they do in an editor's afternoon; `serve`'s in-memory path
runs the same chain."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from conftest import build, clean_tree, options, tree
from site_builder import build as pipeline
from site_builder import rebuild, search
from site_builder.build import BuildState

pytestmark = pytest.mark.slow  # a generated corpus built 34 times, in two processes

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_corpus", ROOT / "benchmarks" / "gen_corpus.py")
gen_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_corpus)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "content"
    gen_corpus.generate(str(out), stories=240, seed=5, untranslated=0.15, drafts=0.0)
    with (out / "site.yaml").open("a", encoding="utf-8") as config:  # split lists: the archive, the
        config.write("page_size: 20\n")  # timeline, topics and the popular entities have pages
    return out


def stories(root: Path, lang: str) -> list[Path]:
    return sorted((root / "content/stories").glob(f"*.{lang}.md"))


def replace_once(path: Path, pattern: str, repl: str) -> None:
    text = path.read_text("utf-8")
    new, count = re.subn(pattern, repl, text, count=1, flags=re.M)
    assert count == 1, f"{pattern!r} not in {path}"
    path.write_text(new, "utf-8")


def person(root: Path) -> Path:
    return sorted((root / "content/people").glob("*.yaml"))[0]


def untranslated(root: Path) -> Path:
    return next(p for p in stories(root, "en") if not p.with_name(p.name.replace(".en.md", ".zh.md")).exists())


EDITS = [
    ("body", lambda r: replace_once(stories(r, "en")[3], r"\Z", "\nAn added closing paragraph.\n")),
    ("zh body", lambda r: replace_once(stories(r, "zh")[5], r"\Z", "\n新增的一段。\n")),
    ("fallback body", lambda r: replace_once(untranslated(r), r"\Z", "\nShown in Chinese pages too.\n")),
    ("body again", lambda r: replace_once(stories(r, "en")[3], r"An added closing", "A changed closing")),
    ("title", lambda r: replace_once(stories(r, "en")[7], r"^title: .*$", "title: A retitled story")),
    ("date", lambda r: replace_once(stories(r, "en")[9], r"^date: .*$", "date: 2031-01-02")),
    ("entity list", lambda r: replace_once(stories(r, "en")[11], r"^people: \[", f"people: [{person(r).stem}, ")),
    ("new [[link]]", lambda r: replace_once(stories(r, "en")[13], r"\Z", f"\nSee [[{person(r).stem}]].\n")),
    ("entity file", lambda r: replace_once(person(r), r"^name: \{en: ([^,}]*)", r"name: {en: \1 (renamed)")),
    ("template", lambda r: replace_once(r / "templates/story.html", r'<article class="story"', '<article class="story edited"')),
    ("base template", lambda r: replace_once(r / "templates/base.html", r"<main ", "<main data-edited ")),
    ("catalog", lambda r: replace_once(r / "templates/locale/zh/LC_MESSAGES/messages.po", r'^msgstr "时间线"', 'msgstr "大事记"')),
    ("new entity", lambda r: (r / "content/people/zz-new-person.yaml").write_text("name: {en: A New Person, zh: 新人}\n", "utf-8")),
    ("story names the new entity", lambda r: replace_once(stories(r, "en")[21], r"^people: \[", "people: [zz-new-person, ")),
    ("story no longer names it", lambda r: replace_once(stories(r, "en")[21], r"^people: \[zz-new-person, ", "people: [")),
    ("deleted entity", lambda r: (r / "content/people/zz-new-person.yaml").unlink()),
    ("new translation", lambda r: untranslated(r).with_name(untranslated(r).name.replace(".en.md", ".zh.md"))
     .write_text("---\ntitle: 新译的标题\n---\n", "utf-8")),
    ("made a draft", lambda r: replace_once(stories(r, "en")[23], r"^date: ", "draft: true\ndate: ")),
    ("new story", lambda r: shutil.copy(stories(r, "en")[15], r / "content/stories/2031-05-05-a-new-story.en.md")),
    ("deleted story", lambda r: [p.unlink() for p in sorted((r / "content/stories").glob(stories(r, "en")[17].name.replace(".en.md", ".*.md")))]),
    ("renamed story", lambda r: [p.rename(r / "content/stories" / ("2031-06-06-renamed" + p.name[p.name.index("."):]))
                                 for p in sorted((r / "content/stories").glob(stories(r, "en")[19].name.replace(".en.md", ".*.md")))]),
    ("body after all", lambda r: replace_once(stories(r, "zh")[2], r"\Z", "\n最后一段。\n")),
]


@pytest.fixture
def site(corpus, tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(corpus, root / "content")
    shutil.copytree(ROOT / "templates", root / "templates", ignore=shutil.ignore_patterns("*.mo"))
    return root


@pytest.mark.parametrize("memory", [False, True], ids=["new process each time", "serve"])
def test_chain_of_edits_equals_clean_builds(site, tmp_path, memory):
    kept = BuildState(options(site, jobs=2), in_memory=True) if memory else None
    first = build(site, state=kept, jobs=2)
    assert first.pages > 400, "too small to render in two processes"
    bodies_edited = 0
    for kind, apply in EDITS:
        apply(site)
        if kept:  # as serve does: the /data/ files left for the idle moment (build.LaterPages)
            report = pipeline.build(options(site, jobs=2), state=kept, later=rebuild.LATER)
            search.settle(kept)  # as serve does once idle: those, the search index, then the records
        else:
            report = build(site, jobs=2)
        assert tree(site / "public") == clean_tree(site, tmp_path / "clean", jobs=2), kind
        if "body" in kind:  # the pages of the stories whose bodies changed since the last full load
            bodies_edited += 1
            assert 0 < report.rendered <= 2 * bodies_edited, (kind, report.rendered)
        else:
            bodies_edited = 0
