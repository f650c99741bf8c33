"""Every built page is valid HTML for the Nu HTML Checker (npm `vnu-jar`, run with Java).

The bundled content/ and conftest's small site (with an untranslated story) are built with the
real templates; the checker reads every HTML page, the stylesheet and the SVG icon in one run.
Skipped on a machine without Java or vnu.jar, failed under CI=true.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from sites import VNU_JAR, build_real, build_small, java, need

pytestmark = pytest.mark.slow  # the Nu HTML checker (Java) over every page


def vnu(*paths) -> list[dict]:
    """The checker's error messages for files or folders (HTML, CSS and SVG)."""
    need(java(), "java is not installed (apt-get install default-jre-headless)")
    need(VNU_JAR.is_file(), f"vnu.jar not found at {VNU_JAR} (run: bash .ci/install)")
    run = subprocess.run(
        [java(), "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--skip-non-html",
         "--also-check-css", "--also-check-svg", *map(str, paths)],
        capture_output=True, text=True, timeout=600,
    )
    report = json.loads(run.stderr or run.stdout)
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    real = build_real(tmp_path_factory.mktemp("real"))
    small = build_small(tmp_path_factory.mktemp("small"))
    return real, small


def test_every_built_page_is_valid_html(built):
    real, small = built
    pages = list(real.rglob("*.html")) + list(small.rglob("*.html"))
    assert len(pages) > 100
    errors = vnu(real, small)
    shown = [f"{m.get('url', '?').split('/public/')[-1]}:{m.get('lastLine', '?')}: {m['message']}" for m in errors[:40]]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(shown)


def test_the_checker_does_report_errors(tmp_path):
    """A clean report above means something: the same call flags a broken page and stylesheet."""
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
        '<body><span><div></div></span></body></html>', encoding="utf-8")
    (tmp_path / "bad.css").write_text("a { colr: red }\n", encoding="utf-8")
    messages = [m["message"] for m in vnu(tmp_path)]
    assert any("not allowed as child" in m for m in messages), messages
    assert any("colr" in m for m in messages), messages
