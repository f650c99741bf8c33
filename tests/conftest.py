"""Shared fixtures: a small bilingual site written inline into tmp_path, and ways to build it.

- `make_site(files)`: a project directory with content/ and a copy of the templates.
- `build(root, **options)`: build a project (any BuildOptions field, or `state`, may be given).
- `tree(root)`: every file under a directory and its digest, to compare two outputs.
- `clean_tree(root, where, **options)`: what a clean build of the project writes (cold cache).
- `problems(files)`: the `path:line: message` lines `check` prints for the base site plus files.
- `held_pagefind`: Pagefind's runs held before they index, until released (HeldPagefind).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest

from site_builder import build as pipeline
from site_builder.build import BuildOptions, BuildReport, BuildState
from site_builder.cli import main

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"

SITE_YAML = """\
title: {en: Test Briefing, zh: 测试简报}
tagline: {en: A small site for tests, zh: 测试用的小网站}
base_url: https://example.org/briefing/
languages: [en, zh]
default_language: en
tags:
  innovation: {en: Innovation, zh: 创新}
"""

STORY_EN = """\
---
title: GBSA opens its first China innovation centre in Chongqing
date: 2024-05-09
summary: The agency's first centre in China opens in Liangjiang.
source:
  publisher: iChongqing
  title: "South Korea's GBSA Launches Its First China Innovation Center in Chongqing"
  author: Dai Yuan
people: [kang-sungcheon]
orgs: [gbsa]
places: [chongqing]
tags: [innovation]
events:
  - date: 2024-05
    title: {en: GBSA and Liangjiang sign an agreement, zh: GBSA与两江新区签署协议}
    orgs: [gbsa]
    places: [chongqing]
---
[[kang-sungcheon]] leads [[gbsa|the agency]], which opened a centre in [[chongqing]].

## Details

| Figure | Value |
|:--|--:|
| Companies | 90 |
"""

STORY_ZH = """\
---
title: GBSA在重庆设立首个中国创新中心
summary: 该机构在中国的首个中心落户两江。
---
[[kang-sungcheon]]领导的[[gbsa]]在[[chongqing]]设立中心。
"""

OLDER_EN = """\
---
title: Gyeonggi and Chongqing open a new door
date: 2019-12-10
summary: Governor Lee and Mayor Tang agree to cooperate.
source:
  publisher: Gyeonggi Provincial Government
  title: Gyeonggi Province and Chongqing City Agree
events:
  - date: 2019-11-27
    title: {en: Lee and Tang meet in Chongqing}
    places: [chongqing]
  - date: 2015-10
    end: 2016-03
    title: {en: A range of months}
---
An untranslated story about [[chongqing]].
"""

PERSON = """\
name: {en: Kang Sungcheon}
summary: {en: President of GBSA., zh: GBSA院长。}
roles:
  - title: {en: President, zh: 院长}
    org: gbsa
    start: 2023
"""

ORG = """\
name: {en: Gyeonggi Business & Science Accelerator}
short: {en: GBSA}
kind: agency
place: gyeonggi
"""

CHONGQING = """\
name: {en: Chongqing, zh: 重庆}
kind: municipality
parent: china
"""

BASE_FILES = {
    "content/site.yaml": SITE_YAML,
    "content/stories/gbsa-centre.en.md": STORY_EN,
    "content/stories/gbsa-centre.zh.md": STORY_ZH,
    "content/stories/new-door.en.md": OLDER_EN,
    "content/people/kang-sungcheon.yaml": PERSON,
    "content/orgs/gbsa.yaml": ORG,
    "content/places/chongqing.yaml": CHONGQING,
    "content/places/china.yaml": "name: {en: China, zh: 中国}\nkind: country\n",
    "content/places/gyeonggi.yaml": "name: {en: Gyeonggi Province, zh: 京畿道}\nkind: province\n",
}


def write_files(root: Path, files: dict[str, str | bytes | None]) -> None:
    """Write (or, for None, delete) files under root."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """make_site(files, base=True) → project dir with content/ and a copy of the templates.

    The working directory becomes the project, so `.cache/` and `public/` land there.
    """

    def make(files: dict[str, str | bytes | None] | None = None, base: bool = True) -> Path:
        root = tmp_path / "site"
        if not (root / "templates").exists():
            shutil.copytree(TEMPLATES, root / "templates", ignore=shutil.ignore_patterns("*.mo"))
        write_files(root, {**(BASE_FILES if base else {}), **(files or {})})
        monkeypatch.chdir(root)
        return root

    return make


PROBLEM_RE = re.compile(r"^\S+:\d+: ")


def problem_lines(err: str) -> list[str]:
    """The `path:line: message` lines of a command's stderr, in the order printed."""
    return [line for line in err.splitlines() if PROBLEM_RE.match(line)]


@pytest.fixture
def problems(make_site, capsys):
    """problems(files) → the problem lines `check` prints for the base site plus files.

    Also asserts what every failing run promises: exit code 1 and no traceback.
    """
    def run(files: dict[str, str | bytes | None]) -> list[str]:
        make_site(files)
        code = main(["check"])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert code == 1, f"check passed; stderr:\n{err}"
        return problem_lines(err)
    return run


def options(root: Path, **overrides) -> BuildOptions:
    """root/content with root/templates into root/public, caching in root/.cache, unless overridden."""
    return BuildOptions(**{"content": root / "content", "templates": root / "templates", "out": root / "public",
                           "cache_dir": root / ".cache", **overrides})


def build(root: Path, state: BuildState | None = None, **overrides) -> BuildReport:
    """Build a project (see `options`); `state` as `serve` passes it."""
    return pipeline.build(options(root, **overrides), state=state)


build_site = build  # the name older tests use


def tree(root: Path) -> dict[str, str]:
    """Relative path → sha1 of every file under root."""
    return {p.relative_to(root).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def clean_tree(root: Path, where: Path, **overrides) -> dict[str, str]:
    """The output of a clean build of the project (into `where`, emptied first, cache there too)."""
    shutil.rmtree(where, ignore_errors=True)
    build(root, **{"out": where / "public", "cache_dir": where / "cache", **overrides})
    return tree(where / "public")


@pytest.fixture(autouse=True)
def cache_key_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user key that seals `.cache/` (trust.py) is kept outside the project: in tests,
    under a temporary XDG_CONFIG_HOME, never the user's own."""
    home = tmp_path_factory.getbasetemp() / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


HOLD = """\
import os, pathlib, sys, time
started, release = map(pathlib.Path, sys.argv[1:3])
started.touch()
while not release.exists():
    time.sleep(0.01)
os.execv(sys.argv[3], sys.argv[3:])
"""


class HeldPagefind:
    """Pagefind's processes held before they index, until `release()`: each run is a Python
    process whose command line names the Pagefind binary (so it is one to the tests that look
    for Pagefind processes), waits for a file, then becomes Pagefind itself."""

    def __init__(self, where: Path, monkeypatch: pytest.MonkeyPatch):
        from site_builder import pagefind_run

        self.where, self.runs = where, []
        where.mkdir(parents=True, exist_ok=True)
        real = pagefind_run.arguments

        def held(binary, view, written):
            started = self.where / f"started-{len(self.runs)}"
            self.runs.append(started)
            return [sys.executable, "-c", HOLD, str(started), str(self.where / "release"), *real(binary, view, written)]

        monkeypatch.setattr(pagefind_run, "arguments", held)

    def running(self, timeout: float) -> bool:
        """Whether a held run started within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(path.exists() for path in self.runs):
                return True
            time.sleep(0.01)
        return False

    def release(self) -> None:
        (self.where / "release").touch()


@pytest.fixture
def held_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HeldPagefind:
    return HeldPagefind(tmp_path / "held-pagefind", monkeypatch)
