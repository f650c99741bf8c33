"""Caches that heal and cannot be turned against the user (trust.py, records.py, markup.py).

Each test builds the small site of conftest.py, spoils one file of `.cache/` the way a crash,
a full disk, an older version or a hostile pull request would, and builds again: the build
must note that one file on stderr, exit 0 and give the bytes of a clean build; a file this
user's builder did not write must never be unpickled or executed.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import tree
from site_builder import trust
from site_builder.state import FINGERPRINT_VERSION, RECORDS_VERSION as STATE_VERSION
from site_builder.cli import main
from site_builder.markup import STORE_VERSION

TARGETS = {  # what is spoiled → the path the note names
    "snapshot": "site-*.pickle",
    "records": "pages-*.pickle",
    "fingerprint": "pages-*.fingerprint",
    "markdown": "markdown.sqlite",
    "jinja": "jinja/*.cache",
    "translations": "translations.pickle",
}


@pytest.fixture
def built(make_site, capsys):
    """A site built once; returns (root, the clean output's digests)."""
    root = make_site()
    assert main(["build"]) == 0
    capsys.readouterr()
    return root, tree(root / "public")


def cache_file(root: Path, target: str) -> Path:
    found = sorted((root / ".cache").glob(TARGETS[target]))
    assert found, f"no {TARGETS[target]} in .cache"
    return found[0]


def noted(target: str, path: Path, root: Path) -> str:
    shown = ".cache/jinja" if target == "jinja" else path.relative_to(root).as_posix()
    return f"note: {shown} was unreadable; rebuilding it\n"


def rebuild(root: Path, capsys) -> str:
    """Build again after an input's time changed (so the no-op shortcut does not apply and every
    cache is read); returns stderr."""
    story = root / "content/stories/gbsa-centre.en.md"
    os.utime(story, ns=(story.stat().st_atime_ns, story.stat().st_mtime_ns + 1_000_000_000))
    assert main(["build"]) == 0
    return capsys.readouterr().err


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, len(data), max(1, len(data) // 50)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def foreign(path: Path) -> None:
    """The same file as another user's builder (another key) would have written it."""
    payload = trust.unseal(path.read_bytes())
    assert payload is not None
    other = b"k" * trust.KEY_BYTES
    path.write_bytes(trust.MAGIC + hmac.new(other, trust.MAGIC + payload, hashlib.sha256).digest() + payload)


@pytest.mark.parametrize("spoil", [truncate, garble], ids=["truncated", "garbled"])
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_damaged_cache_file_is_noted_once_and_rebuilt_to_clean_bytes(built, capsys, target, spoil):
    root, clean = built
    path = cache_file(root, target)
    spoil(path)
    assert rebuild(root, capsys) == noted(target, path, root)
    assert tree(root / "public") == clean
    assert rebuild(root, capsys) == ""  # healed: the next build has nothing to say


@pytest.mark.parametrize("target", ["snapshot", "records", "fingerprint", "jinja", "translations"])
def test_a_file_sealed_with_another_key_is_not_loaded(built, capsys, target):
    root, clean = built
    path = cache_file(root, target)
    foreign(path)
    assert rebuild(root, capsys) == noted(target, path, root)
    assert tree(root / "public") == clean


def test_another_users_markdown_store_is_not_read(built, capsys, tmp_path, monkeypatch):
    root, clean = built
    path = cache_file(root, "markdown")
    theirs = tmp_path / "theirs"
    shutil.copytree(root, theirs, ignore=shutil.ignore_patterns(".cache", "public"))
    with monkeypatch.context() as other:
        other.setenv("XDG_CONFIG_HOME", str(tmp_path / "someone-else"))
        other.chdir(theirs)
        assert main(["build"]) == 0
    shutil.copy(theirs / ".cache/markdown.sqlite", path)  # the same bodies, from their builder
    capsys.readouterr()
    assert rebuild(root, capsys) == noted("markdown", path, root)
    assert tree(root / "public") == clean


@pytest.mark.parametrize("target", ["snapshot", "records", "fingerprint"])
def test_a_record_of_another_version_is_noted_and_rebuilt(built, capsys, target):
    root, clean = built
    path = cache_file(root, target)
    version = {"snapshot": None, "records": STATE_VERSION, "fingerprint": FINGERPRINT_VERSION}[target]
    stored, value = pickle.loads(trust.unseal(path.read_bytes()))
    assert version is None or stored == version
    trust.write_sealed(path, pickle.dumps((stored + 100, value)))
    assert rebuild(root, capsys) == noted(target, path, root)
    assert tree(root / "public") == clean


def test_a_markdown_store_of_another_version_is_noted_and_rebuilt(built, capsys):
    root, clean = built
    path = cache_file(root, "markdown")
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {STORE_VERSION - 1}")
    db.close()
    assert rebuild(root, capsys) == noted("markdown", path, root)
    assert tree(root / "public") == clean


def test_compiled_templates_of_another_jinja_are_noted_and_rebuilt(built, capsys):
    root, clean = built
    path = cache_file(root, "jinja")
    payload = trust.unseal(path.read_bytes())
    trust.write_sealed(path, b"j2" + bytes(6) + payload[8:])  # another bytecode magic
    assert rebuild(root, capsys) == noted("jinja", path, root)
    assert tree(root / "public") == clean


def test_a_tampered_markdown_row_never_reaches_a_page(built, capsys):
    """The store's HTML goes into pages unsanitised: a row changed by anyone but this user's
    builder (here: one story's body swapped for a script) must not be used."""
    root, clean = built
    path = cache_file(root, "markdown")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE body SET html = '<script>alert(1)</script>'")
    db.close()
    assert rebuild(root, capsys) == noted("markdown", path, root)
    assert tree(root / "public") == clean
    assert not any("<script>alert" in p.read_text("utf-8", "replace") for p in (root / "public").rglob("*.html"))


def hostile_pickle(marker: Path) -> bytes:
    class Boom:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    return pickle.dumps((STATE_VERSION, Boom()))


@pytest.mark.parametrize("target", ["snapshot", "records", "fingerprint"])
def test_a_pickle_committed_into_the_repository_is_never_unpickled(built, capsys, tmp_path, target):
    """A `.cache/` that came with a clone or a pull request: its pickles would run code."""
    root, clean = built
    marker = tmp_path / "pwned"
    path = cache_file(root, target)
    path.write_bytes(hostile_pickle(marker))  # as an older, unsealed builder wrote its files
    assert rebuild(root, capsys) == noted(target, path, root)
    assert not marker.exists()
    assert tree(root / "public") == clean
    path.write_bytes(trust.MAGIC + bytes(32) + hostile_pickle(marker))  # a forged seal
    assert rebuild(root, capsys) == noted(target, path, root)
    assert not marker.exists()


def test_compiled_code_committed_into_the_repository_is_never_run(built, capsys, tmp_path):
    from jinja2.bccache import bc_magic

    root, clean = built
    marker = tmp_path / "pwned"
    code = compile(f"open({str(marker)!r}, 'w').close()", "<cache>", "exec")
    for path in (root / ".cache/jinja").glob("*.cache"):
        checksum = pickle.loads(trust.unseal(path.read_bytes())[len(bc_magic):])  # the source's, first
        path.write_bytes(bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code))  # Jinja's own format
    assert rebuild(root, capsys) == noted("jinja", root / ".cache/jinja", root)
    assert not marker.exists()
    assert tree(root / "public") == clean


def test_the_key_is_kept_outside_the_project_readable_by_its_owner_only(built, cache_key_home):
    root, _ = built
    key = cache_key_home / "site_builder" / "cache-key"
    assert key.is_file() and len(key.read_bytes()) == trust.KEY_BYTES
    assert key.stat().st_mode & 0o777 == 0o600
    assert root not in key.parents


def test_without_a_place_for_the_key_builds_work_and_say_why_caches_are_not_reused(make_site, capsys, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocked))
    root = make_site()
    assert main(["build"]) == 0
    first = tree(root / "public")
    err = capsys.readouterr().err
    assert err == f"note: cannot keep the cache key {blocked}/site_builder/cache-key (Not a directory); caches are not reused\n"
    assert not list((root / ".cache").glob("*.pickle")) and not list((root / ".cache").glob("jinja/*.cache"))
    assert main(["build"]) == 0
    assert tree(root / "public") == first


def test_templates_compiled_by_another_engine_version_are_not_reused(tmp_path, cache_key_home):
    """Compiled code names the engine's extensions by import path (a moved extension was a
    KeyError traceback on the next build): another version's files are removed, not loaded."""
    directory = tmp_path / "jinja"
    directory.mkdir()
    (directory / "__jinja2_old_0123.cache").write_bytes(b"compiled elsewhere")
    (directory / "__jinja2_new_4567.cache").write_bytes(b"kept for its own check")
    trust.SealedBytecodeCache(str(directory), "new")
    assert sorted(p.name for p in directory.iterdir()) == []  # the current one was not sealed: noted, removed
    (directory / "__jinja2_old_0123.cache").write_bytes(b"compiled elsewhere")
    cache = trust.SealedBytecodeCache(str(directory), "new")
    assert not (directory / "__jinja2_old_0123.cache").exists()
    assert cache.pattern == "__jinja2_new_%s.cache"
