"""Failures of the machine, not of the content: a full disk, a read-only or missing directory,
a permission refused, a file gone mid-build. Each becomes one line naming the path and what
happened (exit 1), never a traceback; the write stage guarantees the previous output is as it
was, and says so.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class EnvironmentFailure(Exception):
    """One line for the terminal (without the `error: ` the CLI puts before it)."""


def shown(path: str | os.PathLike) -> str:
    """As the editor would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve())) or "."
    except (ValueError, OSError):
        return str(path)


def reason(bad: OSError) -> str:
    return bad.strerror or (errno.errorcode.get(bad.errno or 0) if bad.errno else "") or str(bad) or type(bad).__name__


def writing(bad: OSError, out: Path) -> EnvironmentFailure:
    """What went wrong while the output was being written: a file of the output (or of its
    staging directory beside it) could not be written, or an input read at that stage was."""
    name, full = bad.filename, os.path.abspath(out)
    ours = os.path.join(os.path.dirname(full), f".{out.name}.")
    kept = f"; {shown(out)} is as it was" if out.exists() else ""
    where = os.path.abspath(name) if name is not None else full
    if where == full or where.startswith((ours, full + os.sep)) or full.startswith(where + os.sep):  # it, in it, above it
        return EnvironmentFailure(f"cannot write {shown(out)}: {reason(bad)}{kept}")
    return EnvironmentFailure(f"cannot read {shown(name)}: {reason(bad)}{kept}")


def describe(bad: OSError) -> str:
    """Any other failure of the machine, named by its path."""
    if bad.filename is None:
        return reason(bad)
    return f"{shown(bad.filename)}: {reason(bad)}"
