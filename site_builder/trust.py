"""Trust in `.cache/`: read back only what this user's builder wrote, heal the rest.

The snapshot and page records are pickles and Jinja's compiled templates are code objects:
loading either runs whatever its author chose. A `.cache/` committed into a repository or a
pull request, copied from another machine, or garbled by a crash must therefore never be
loaded as it is. Every cache file is sealed: a magic line, an HMAC-SHA256 of the rest under a
per-user key, then the payload; the Markdown cache seals each row the same way (its HTML goes
into pages unsanitised again). The key is 32 random bytes kept outside every project
(`$XDG_CONFIG_HOME/site_builder/cache-key`, else `~/.config/…`; mode 600), made on first use.

A file that fails its check is reported once (`note: .cache/… was unreadable; rebuilding it`)
and treated as absent, so the build goes on to what a clean build gives.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import hmac
import os
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, bc_magic

from site_builder import faults
from site_builder.faults import shown

MAGIC = b"site_builder cache, sealed\n"
KEY_BYTES = 32


class UnreadableCache(OSError):
    """A cache that failed its check where it cannot simply be skipped (a Markdown row read
    while rendering): the build discards it and runs again. An OSError, so that a worker
    process passes it on as it does the machine's other failures."""

    @classmethod
    def at(cls, path: Path | str) -> UnreadableCache:
        return cls(errno.EIO, "damaged, or not written by this user's builder", str(path))

    @property
    def path(self) -> Path:
        return Path(self.filename)


def key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "site_builder" / "cache-key"


def key() -> bytes | None:
    """This user's key, made on first use; None when it cannot be kept (caches then are
    written and read by no one: a build works, from scratch)."""
    return _key_at(str(key_path()))


@functools.cache
def _key_at(path: str) -> bytes | None:
    where = Path(path)
    try:
        found = where.read_bytes()
        if len(found) == KEY_BYTES:
            return found
    except FileNotFoundError:
        pass
    except OSError as bad:
        return _no_key(where, bad)
    try:  # made aside and linked into place: two builds at once agree on one key
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = where.with_name(f".cache-key-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(KEY_BYTES))
        try:
            if where.exists():  # a damaged key: replaced (what it sealed is then unreadable)
                os.replace(tmp, where)
            else:
                os.link(tmp, where)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        found = where.read_bytes()
        return found if len(found) == KEY_BYTES else None
    except OSError as bad:
        return _no_key(where, bad)


def _no_key(where: Path, bad: OSError) -> None:
    print(f"note: cannot keep the cache key {where} ({bad.strerror}); caches are not reused", file=sys.stderr)
    return None


def seal(payload: bytes) -> bytes | None:
    """The file to write for `payload`; None when there is no key (write nothing)."""
    k = key()
    if k is None:
        return None
    return MAGIC + hmac.new(k, MAGIC + payload, hashlib.sha256).digest() + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of a file `seal` made with this user's key; None for anything else."""
    k = key()
    head = len(MAGIC) + hashlib.sha256().digest_size
    if k is None or len(data) < head or not data.startswith(MAGIC):
        return None
    payload = data[head:]
    expected = hmac.new(k, MAGIC + payload, hashlib.sha256).digest()
    return payload if hmac.compare_digest(expected, data[len(MAGIC):head]) else None


def row_mac(name: str, value: str) -> str | None:
    """A Markdown cache row's seal: binds its value to its key, so rows cannot be swapped."""
    k = key()
    if k is None:
        return None
    return hmac.new(k, name.encode() + b"\0" + value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def row_ok(name: str, value: str, mac: str | None) -> bool:
    expected = row_mac(name, value)
    return expected is not None and mac is not None and hmac.compare_digest(expected, mac)


def write_sealed(path: Path, payload: bytes) -> None:
    """Seal `payload` into `path` atomically (a reader sees the old file or the new one)."""
    data = seal(payload)
    if data is None:
        return
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as bad:  # a full disk: the site is built, only the next build is slower
        path.unlink(missing_ok=True)  # never leave the previous build's record beside this output
        print(f"note: cannot write {shown(path)} ({faults.reason(bad)}); the next build starts afresh", file=sys.stderr)
    finally:
        tmp.unlink(missing_ok=True)


def read_sealed(path: Path) -> bytes | None:
    """The payload sealed in `path`; None if absent or (with a note) if it fails its check."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        note_unreadable(path)
        return None
    payload = unseal(data)
    if payload is None and key() is not None:
        note_unreadable(path)
    return payload


def note_unreadable(path: Path) -> None:
    print(f"note: {shown(path)} was unreadable; rebuilding it", file=sys.stderr)


class SealedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's on-disk cache of compiled templates, sealed like every other cache file: the
    default one loads any code object it finds in the directory. Files that fail are removed
    when the cache is opened, with one note for the directory (pages are rendered by several
    processes at once, which would each report the same file)."""

    def __init__(self, directory: str, version: str):
        # Compiled code names the engine's extensions: code compiled by another engine version
        # is not reused (its files are removed), whatever the template's checksum says.
        super().__init__(directory, f"__jinja2_{version}_%s.cache")
        for path in Path(directory).glob("__jinja2_*.cache"):
            if not path.name.startswith(f"__jinja2_{version}_"):
                path.unlink(missing_ok=True)
        bad = False
        for path in sorted(Path(directory).glob(self.pattern.replace("%s", "*"))):
            payload = unseal(path.read_bytes()) if path.is_file() else None
            if payload is None or not payload.startswith(bc_magic):  # damaged, foreign, or another Jinja's
                path.unlink(missing_ok=True)
                bad = True
        if bad:
            note_unreadable(Path(directory))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            payload = unseal(Path(self._get_cache_filename(bucket)).read_bytes())
        except OSError:
            return
        if payload is not None and payload.startswith(bc_magic):
            bucket.bytecode_from_string(payload)  # Jinja checks the source's checksum itself

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = seal(bucket.bytecode_to_string())
        if data is None:
            return
        path = Path(self._get_cache_filename(bucket))
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:  # only time is lost: an older file names the source it compiled
            tmp.unlink(missing_ok=True)
