"""The lock file: every declared dependency is locked within its bound, and under CI the
environment running the tests holds exactly the locked versions (README, "Dependencies")."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, tuple[str, str | None]]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text("utf-8").splitlines():
        found = PIN.match(line)
        if found:
            pins[canonical(found[1])] = (found[2], found[3])
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_declared_dependency_is_locked_within_its_bound():
    pins = locked()
    refresh = "refresh requirements.lock (README, Dependencies)"
    for requirement in declared():
        name = canonical(requirement.name)
        assert name in pins, f"{requirement.name} is in pyproject.toml but not locked: {refresh}"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), \
            f"{requirement.name}=={pins[name][0]} is locked but pyproject.toml asks {requirement.specifier}: {refresh}"


def test_every_locked_line_is_hashed():
    """pip checks hashes only when every line has one: a line without makes the install fail."""
    lines = (REPO / "requirements.lock").read_text("utf-8").splitlines()
    pinned = [i for i, line in enumerate(lines) if PIN.match(line)]
    assert len(pinned) == len(locked()) > 10
    for i in pinned:
        assert lines[i + 1].strip().startswith("--hash=sha256:"), lines[i]


def test_the_environment_holds_exactly_the_locked_versions():
    if os.environ.get("CI") != "true":
        pytest.skip("checked under CI=true, where .ci/install built the venv from the lock")
    wrong = []
    for name, (version, marker) in sorted(locked().items()):
        if marker and not Marker(marker).evaluate():
            continue
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = "missing"
        if have != version:
            wrong.append(f"{name}: locked {version}, installed {have}")
    assert not wrong, "run: .venv/bin/pip install -r requirements.lock\n" + "\n".join(wrong)
