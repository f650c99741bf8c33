"""The suite on a plain clone: tests that read ../shared/seeds skip with a reason when it is
absent, unless CI=true, where its absence fails them (item 7 of issue 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import REPO


def run_content_tests(tmp_path, ci: str | None):
    """The seed tests of tests/test_content.py in a copy of the repository with nothing beside it."""
    clone = tmp_path / "clone" / "repo"
    for name in ("tests", "content", "templates"):
        shutil.copytree(REPO / name, clone / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(REPO / "pyproject.toml", clone)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-k", "seed",
                           "tests/test_content.py"], cwd=clone, env=env, capture_output=True, text=True, timeout=600)


def test_seed_tests_skip_with_a_reason_on_a_plain_clone(tmp_path):
    done = run_content_tests(tmp_path, None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" in done.stdout and "failed" not in done.stdout and "passed" not in done.stdout
    assert "a clone without ../shared/seeds; under CI=true this fails" in done.stdout


def test_seed_tests_fail_under_ci_without_the_seeds(tmp_path):
    done = run_content_tests(tmp_path, "true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no seed articles found in" in done.stdout
