"""The command line: exit codes 0 / 1 / 2, help for every command, and `new` scaffolds that pass `check`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from site_builder.cli import main, parser


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: usage errors and --help
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_check_passes_on_a_valid_site(make_site, capsys):
    make_site()
    code, out, _ = run(capsys, "check")
    assert code == 0 and out.startswith("ok: ")


def test_content_errors_exit_1_and_write_nothing(make_site, capsys):
    root = make_site({"content/places/china.yaml": "name: no\n"})
    code, _, err = run(capsys, "build")
    assert code == 1
    assert err.splitlines()[0] == "content/places/china.yaml:1: name: expected text, but YAML reads 'no' as the boolean false: put it in quotes"
    assert not (root / "public").exists()


@pytest.mark.parametrize("argv", [
    ["frobnicate"],
    ["build", "--no-such-option"],
    ["build", "--content", "no-such-dir"],
    ["check", "--templates", "no-such-dir"],
    ["new", "person", "Not An Id"],
    ["new", "story", "标题"],
    ["new", "planet", "mars"],
    [],
])
def test_usage_errors_exit_2(make_site, capsys, argv):
    make_site()
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert err.strip()


def test_every_command_has_help(capsys):
    commands = parser()._subparsers._group_actions[0].choices  # noqa: SLF001 (argparse keeps them here)
    assert set(commands) >= {"build", "serve", "check", "new", "i18n"}
    for name, sub in commands.items():
        assert sub.description, name
        code, out, _ = run(capsys, name, "--help")
        assert code == 0 and out.startswith("usage:"), name


def test_a_real_process_reports_problems_without_a_traceback(make_site):
    make_site({"content/stories/new-door.en.md": "no front-matter\n"})
    done = subprocess.run([sys.executable, "-m", "site_builder", "check"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "content/stories/new-door.en.md:1: a story must start with a '---' line opening its front-matter"
    assert "Traceback" not in done.stderr


# new -------------------------------------------------------------------------------------
def test_new_story_scaffold_passes_check(make_site, capsys):
    root = make_site()
    code, out, _ = run(capsys, "new", "story", "Chengdu welcomes a Busan trade mission")
    assert code == 0
    path = root / "content/stories/chengdu-welcomes-a-busan-trade-mission.en.md"
    assert out.strip() == "created content/stories/chengdu-welcomes-a-busan-trade-mission.en.md"
    text = path.read_text("utf-8")
    assert text.startswith('---\ntitle: "Chengdu welcomes a Busan trade mission"\n') and "draft: true" in text
    assert run(capsys, "check")[0] == 0


@pytest.mark.parametrize("kind, folder", [("person", "people"), ("org", "orgs"), ("place", "places")])
def test_new_entity_scaffolds_pass_check(make_site, capsys, kind, folder):
    root = make_site()
    code, out, _ = run(capsys, "new", kind, "busan-example")
    assert code == 0 and out.strip() == f"created content/{folder}/busan-example.yaml"
    assert (root / f"content/{folder}/busan-example.yaml").is_file()
    assert run(capsys, "check")[0] == 0


def test_new_refuses_an_id_already_in_use(make_site, capsys):
    root = make_site()
    before = (root / "content/places/chongqing.yaml").read_bytes()
    code, _, err = run(capsys, "new", "org", "chongqing")
    assert code == 1
    assert "content/places/chongqing.yaml" in err
    assert not (root / "content/orgs/chongqing.yaml").exists()
    assert (root / "content/places/chongqing.yaml").read_bytes() == before


def test_new_story_refuses_to_overwrite(make_site, capsys):
    root = make_site()
    assert run(capsys, "new", "story", "Same title")[0] == 0
    path = root / "content/stories/same-title.en.md"
    path.write_text(path.read_text("utf-8") + "Edited.\n", "utf-8")
    edited = path.read_bytes()
    assert run(capsys, "new", "story", "Same title")[0] == 1
    assert path.read_bytes() == edited
