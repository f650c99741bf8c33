"""Catalog maintenance: `i18n check` catches what would show a reader an untranslated string."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import TEMPLATES
from site_builder.cli import main

PO = "templates/locale/zh/LC_MESSAGES/messages.po"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["i18n", *args])
    out, err = capsys.readouterr()
    return code, out, err


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


def test_the_repository_catalogs_are_complete(make_site, capsys):
    make_site()
    code, out, err = run(capsys, "check")
    assert (code, err) == (0, "")


def test_untranslated_entry_fails_with_po_line(make_site, capsys):
    root = make_site()
    po = root / PO
    text = po.read_text("utf-8")
    po.write_text(text.replace('msgstr "时间线"', 'msgstr ""'), "utf-8")
    code, _, err = run(capsys, "check")
    assert code == 1
    line = line_of(po, 'msgid "Timeline"')
    assert f"{PO}:{line}: untranslated: 'Timeline'" in err


def test_fuzzy_entry_fails(make_site, capsys):
    root = make_site()
    po = root / PO
    text = po.read_text("utf-8")
    po.write_text(text.replace('msgid "Timeline"', '#, fuzzy\nmsgid "Timeline"'), "utf-8")
    code, _, err = run(capsys, "check")
    assert code == 1
    assert "fuzzy translation of 'Timeline'" in err


def test_placeholder_error_fails(make_site, capsys):
    root = make_site()
    po = root / PO
    text = po.read_text("utf-8")
    msgid = re.search(r'msgid "([^"]*%\(name\)s[^"]*)"\nmsgstr "([^"]*)"', text)
    assert msgid, "the templates have a message with %(name)s"
    po.write_text(text.replace(msgid.group(0), f'msgid "{msgid.group(1)}"\nmsgstr "%(nom)s"'), "utf-8")
    code, _, err = run(capsys, "check")
    assert code == 1
    assert "placeholder error" in err


def test_stale_catalog_fails_until_updated(make_site, capsys):
    root = make_site()
    page = root / "templates/tags.html"
    page.write_text(page.read_text("utf-8").replace("{% block content %}", "{% block content %}<p>{{ _('A brand new string') }}</p>", 1), "utf-8")
    code, _, err = run(capsys, "check")
    assert code == 1
    assert "'A brand new string' is used in the templates but missing here" in err
    assert run(capsys, "update")[0] == 0
    code, _, err = run(capsys, "check")
    assert code == 1 and "untranslated: 'A brand new string'" in err  # en is fine, zh needs work


def test_extract_fails_on_a_template_syntax_error(make_site, capsys):
    root = make_site()
    (root / "templates/broken.html").write_text("line one\n{% if %}\n", "utf-8")
    code, _, err = run(capsys, "extract")
    assert code == 1
    assert "broken.html:2:" in err


def test_compile_writes_mo_files_and_build_needs_none(make_site, capsys):
    root = make_site()
    assert not list((root / "templates/locale").rglob("*.mo"))
    code, out, _ = run(capsys, "compile")
    assert code == 0
    assert (root / "templates/locale/zh/LC_MESSAGES/messages.mo").is_file()


def test_no_mo_files_are_committed():
    gitignore = (TEMPLATES.parent / ".gitignore").read_text("utf-8")
    assert "*.mo" in gitignore.split()
    tracked = subprocess.run(["git", "ls-files", "*.mo"], cwd=TEMPLATES.parent, capture_output=True, text=True)
    assert tracked.stdout == ""


def test_bad_usage_exits_2_with_a_hint(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["biuld"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
