"""Failures of the machine (faults.py, write.py): a full disk, a read-only or missing output
parent, a permission refused, a file gone mid-build, Ctrl-C. Each ends in one line naming the
path and what happened, exit 1 (Ctrl-C: 130), the previous output exactly as it was and no
staging directory beside it; leftovers of a build killed outright go at the next build.

The faults are simulated where the build meets the machine (an `open`, `mkdir`, `rename` or
`replace` that raises as the kernel would), so the tests run the same on any machine.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, tree
from site_builder import build as build_module
from site_builder import load as load_module
from site_builder import trust, write
from site_builder.cli import main

STORY = "content/stories/gbsa-centre.en.md"


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".public."))


@pytest.fixture
def site(make_site, capsys):
    """A site built once, then a story edited so the next build writes pages."""
    root = make_site()
    assert main(["build"]) == 0
    story = root / STORY
    story.write_text(story.read_text("utf-8").replace("opened a centre", "opened its centre"), "utf-8")
    capsys.readouterr()
    return root, tree(root / "public")


def failing_after(count: int, error: BaseException):
    """A Staging.write that writes `count` pages, then fails as the disk would."""
    real = write.Staging.write
    calls = []

    def fake(self, name, data):
        calls.append(name)
        if len(calls) > count:
            raise error
        real(self, name, data)

    return fake


def enospc(path: str = "") -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path or None)


@pytest.mark.parametrize("cold", [False, True], ids=["incremental", "full"])
def test_a_full_disk_while_writing_leaves_the_previous_site(site, capsys, monkeypatch, cold):
    root, before = site
    if cold:
        (root / ".cache/markdown.sqlite").unlink()  # a build that stages a whole new tree
        for record in (root / ".cache").glob("pages-*"):
            record.unlink()
    staging_file = str(root / f".public.staging-{os.getpid()}/en/index.html")
    monkeypatch.setattr(write.Staging, "write", failing_after(0, enospc(staging_file)))
    assert main(["build"]) == 1
    assert capsys.readouterr().err == "error: cannot write public: No space left on device; public is as it was\n"
    assert tree(root / "public") == before
    assert leftovers(root) == []


def test_a_full_disk_on_a_first_build_says_so_and_leaves_nothing(make_site, capsys, monkeypatch):
    root = make_site()
    monkeypatch.setattr(write.Staging, "write", failing_after(3, enospc()))
    assert main(["build"]) == 1
    assert capsys.readouterr().err == "error: cannot write public: No space left on device\n"
    assert not (root / "public").exists() and leftovers(root) == []


def test_a_failed_swap_puts_the_previous_site_back(site, capsys, monkeypatch):
    root, before = site
    for record in (root / ".cache").glob("pages-*"):
        record.unlink()  # no page records: the new tree replaces the output whole
    real = os.rename

    def rename(src, dst):
        if ".public.staging-" in str(src):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(src), str(dst))
        real(src, dst)

    monkeypatch.setattr(write.os, "rename", rename)
    assert main(["build"]) == 1
    assert capsys.readouterr().err == "error: cannot write public: Input/output error; public is as it was\n"
    assert tree(root / "public") == before
    assert leftovers(root) == []


def test_a_read_only_output_parent(site, capsys, monkeypatch):
    root, before = site
    real = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.name.startswith(".public."):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert main(["build"]) == 1
    assert capsys.readouterr().err == "error: cannot write public: Read-only file system; public is as it was\n"
    assert tree(root / "public") == before


def test_a_missing_output_parent_that_cannot_be_made(make_site, capsys, tmp_path):
    make_site()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    out = blocker / "site" / "public"
    assert main(["build", "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: cannot write {out}: Not a directory\n"


def test_a_missing_output_parent_is_made(make_site, capsys, tmp_path):
    make_site()
    out = tmp_path / "new" / "dir" / "public"
    assert main(["build", "--out", str(out)]) == 0
    assert (out / "en/index.html").is_file()


def test_a_content_file_that_cannot_be_read(site, capsys, monkeypatch):
    root, before = site
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "gbsa-centre.en.md":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["build"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{STORY}:1: cannot read the file: Permission denied", "1 problem found; nothing was written."]
    assert tree(root / "public") == before


def test_a_content_file_that_vanishes_mid_build(site, capsys, monkeypatch):
    root, before = site
    for snapshot in (root / ".cache").glob("site-*.pickle"):
        snapshot.unlink()  # so that the content is listed and read afresh
    real = load_module.find_files

    def find_then_lose_one(*args, **kwargs):
        jobs = real(*args, **kwargs)
        (root / STORY).unlink()  # listed, then gone before it is read
        return jobs

    monkeypatch.setattr(load_module, "find_files", find_then_lose_one)
    assert main(["build"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{STORY}:1: cannot read the file: No such file or directory", "1 problem found; nothing was written."]
    assert tree(root / "public") == before


def test_a_static_file_that_vanishes_mid_build(site, capsys, monkeypatch):
    root, before = site
    real = build_module.static_files
    gone = root / "templates/static/gone.css"

    def listed_then_lost(templates):
        found = real(templates)
        found["static/gone.css"] = gone  # listed; unlinked before it is read
        return found

    monkeypatch.setattr(build_module, "static_files", listed_then_lost)
    assert main(["build"]) == 1
    assert capsys.readouterr().err == "error: cannot read templates/static/gone.css: No such file or directory; public is as it was\n"
    assert tree(root / "public") == before
    assert leftovers(root) == []


def test_ctrl_c_while_writing(site, capsys, monkeypatch):
    root, before = site
    monkeypatch.setattr(write.Staging, "write", failing_after(0, KeyboardInterrupt()))
    assert main(["build"]) == 130
    assert capsys.readouterr().err == "interrupted; the output directory was left whole\n"
    assert tree(root / "public") == before
    assert leftovers(root) == []


INTERRUPTING_BUILD = """
import os, signal, sys
from site_builder import write
from site_builder.cli import main
real, seen = write.Staging.write, []
def write_then_interrupt(self, name, data):
    seen.append(name)
    if len(seen) == 20:
        os.killpg(0, signal.SIGINT)  # as a terminal's Ctrl-C: to every process of the build
    real(self, name, data)
write.Staging.write = write_then_interrupt
sys.exit(main(["build", "--content", sys.argv[1], "--templates", sys.argv[2], "--jobs", "2"]))
"""


def test_a_real_ctrl_c_reaches_every_process_and_leaves_no_traceback(tmp_path):
    """The bundled site is large enough to render in two processes and to render its
    Markdown in a pool: a terminal's Ctrl-C reaches them all."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-c", INTERRUPTING_BUILD, str(REPO / "content"), str(REPO / "templates")]
    plain = [sys.executable, "-m", "site_builder", "build", "--content", str(REPO / "content"),
             "--templates", str(REPO / "templates")]
    assert subprocess.run(plain, cwd=tmp_path, env=env, capture_output=True).returncode == 0
    before = tree(tmp_path / "public")
    subprocess.run(["rm", "-rf", str(tmp_path / ".cache")], check=True)  # so that every page is written again
    # As from a terminal: Ctrl-C's default action, even if this run inherited it ignored (a shell
    # starts a background job so, and Python then installs no KeyboardInterrupt handler).
    done = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, start_new_session=True, timeout=600,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert (done.returncode, done.stderr) == (130, "interrupted; the output directory was left whole\n")
    assert tree(tmp_path / "public") == before
    assert leftovers(tmp_path) == []


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_a_killed_build_go_at_the_next_build(site, capsys):
    root, _ = site
    dead = dead_pid()
    for name in (f".public.staging-{dead}", f".public.old-{dead}"):
        (root / name / "en").mkdir(parents=True)
        (root / name / "en/index.html").write_text("half a page")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (root / f".public.staging-{other.pid}").mkdir()  # a build running now: not touched
        assert main(["build"]) == 0
        assert leftovers(root) == [f".public.staging-{other.pid}"]
    finally:
        other.kill()
        other.wait()


def test_a_build_killed_between_the_two_renames_gets_its_site_back(site, capsys):
    root, before = site
    dead = dead_pid()
    os.rename(root / "public", root / f".public.old-{dead}")  # kill -9 after the first rename
    write.prepare(root / "public")
    assert tree(root / "public") == before and leftovers(root) == []


def test_a_full_disk_for_the_caches_only_slows_the_next_build(site, capsys, monkeypatch):
    root, _ = site
    real = os.replace

    def replace(src, dst):
        if ".cache" in str(dst) and "jinja" not in str(dst):
            raise enospc(str(src))
        real(src, dst)

    monkeypatch.setattr(trust.os, "replace", replace)
    assert main(["build"]) == 0
    built = tree(root / "public")
    notes = capsys.readouterr().err.splitlines()
    assert notes and all(n.startswith("note: cannot write .cache/") and n.endswith("(No space left on device); the next build starts afresh")
                         for n in notes)
    assert not list((root / ".cache").glob("pages-*"))  # no record of the previous build is left beside this one
    monkeypatch.undo()
    monkeypatch.chdir(root)
    assert main(["build"]) == 0
    assert tree(root / "public") == built
