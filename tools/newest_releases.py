"""Run the whole test suite against the newest releases of every dependency, and say what differs.

    python tools/newest_releases.py [--baseline] [--keep DIR] [-- PYTEST_ARGS...]

CI installs requirements.lock, so an upstream release can never stop a landing; this script
is how we learn what the next refresh of the lock would bring, before doing it (README,
"Dependencies"). It makes a scratch virtualenv, installs the newest release of every runtime
and test dependency that pyproject.toml's bounds allow, runs the suite there with CI=true
(the code from this checkout, on PYTHONPATH), and prints:
- each package whose newest release differs from the locked version;
- the tests that fail (or error) with the newest releases; with --baseline, the suite is run
  in the locked .venv too and only the differences are listed.
Exit status: 0 when the newest releases pass as the locked ones do, 1 otherwise. Not part of
.ci/run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
# Meaningful only where .ci/install built the venv from the lock.
NOT_HERE = ["tests/test_lock.py::test_the_environment_holds_exactly_the_locked_versions"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(python: str) -> dict[str, str]:
    """Name → locked version, of the packages whose environment markers hold here."""
    pins, markers = {}, {}
    for line in (REPO / "requirements.lock").read_text("utf-8").splitlines():
        if found := PIN.match(line):
            pins[canonical(found[1])] = found[2]
            if found[3]:
                markers[canonical(found[1])] = found[3]
    check = "import sys; from packaging.markers import Marker; print(*[n for n, m in zip(sys.argv[1::2], sys.argv[2::2]) if not Marker(m).evaluate()])"
    out = subprocess.run([python, "-c", check, *[x for item in markers.items() for x in item]],
                         capture_output=True, text=True, check=True).stdout.split()
    return {name: version for name, version in pins.items() if name not in out}


def declared() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    return project["dependencies"] + project["optional-dependencies"]["test"]


def installed(python: str) -> dict[str, str]:
    out = subprocess.run([python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True).stdout
    return {canonical(n): v for n, _, v in (line.partition("==") for line in out.splitlines()) if v}


def failures(python: str, report: Path, pytest_args: list[str]) -> tuple[set[str], str]:
    """The ids of the tests that failed or errored, and pytest's closing line."""
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(REPO)}
    args = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    args += [f"--deselect={test}" for test in NOT_HERE] + pytest_args
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    closing = next((line for line in reversed(done.stdout.splitlines()) if line.strip()), "")
    failed = set()
    if report.is_file():
        for case in ET.parse(report).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed.add(f"{case.get('classname')}::{case.get('name')}")
    elif done.returncode:
        failed.add(f"(pytest did not run: exit {done.returncode}) {done.stderr.strip()[-500:]}")
    return failed, closing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", action="store_true", help="also run the suite in the locked .venv and compare")
    ap.add_argument("--keep", type=Path, help="make the scratch venv here and keep it (default: a temporary one)")
    ap.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="site-builder-newest-") as tmp:
        where = args.keep or Path(tmp) / "venv"
        print(f"scratch venv: {where}", flush=True)
        venv.create(where, with_pip=True, clear=True)
        python = str(where / "bin" / "python")
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--upgrade",
                        "--upgrade-strategy", "eager", *declared()], check=True)
        pins, newest = locked(python), installed(python)
        print("\nnewest releases that differ from requirements.lock:")
        differ = [(name, pins.get(name, "-"), newest.get(name, "-")) for name in sorted(set(pins) | set(newest))
                  if name not in ("pip", "setuptools") and pins.get(name) != newest.get(name)]
        for name, old, new in differ:
            print(f"  {name:24} locked {old:12} newest {new}")
        if not differ:
            print("  none: the lock holds the newest releases")
        print("\nrunning the suite with the newest releases…", flush=True)
        failed, closing = failures(python, Path(tmp) / "newest.xml", args.pytest_args)
        print(f"  {closing}")
        if args.baseline:
            print("running the suite in the locked .venv…", flush=True)
            before, closing = failures(str(REPO / ".venv" / "bin" / "python"), Path(tmp) / "locked.xml", args.pytest_args)
            print(f"  {closing}")
            failed, fixed = failed - before, before - failed
            for test in sorted(fixed):
                print(f"  passes only with the newest releases: {test}")
        for test in sorted(failed):
            print(f"  fails with the newest releases: {test}")
        if not failed:
            print("  no test fails with the newest releases that passes with the locked ones")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
