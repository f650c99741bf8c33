"""`--version`: this package's version and, verbose, those of the libraries that shape output.

What a bug report needs: the same content can render differently under another Jinja2,
Markdown or Babel. Versions come from the installed distributions' metadata (no import of
the libraries themselves, so `--version` stays instant); Pagefind is a separate program,
listed only when installed, as a Python package or on PATH.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from importlib import metadata

import site_builder

# Distribution names: the engine's main dependencies first, then the rest of the runtime ones.
LIBRARIES = ("Jinja2", "Markdown", "PyYAML", "Babel", "livereload", "tornado", "nh3", "pypinyin", "watchfiles")
PAGEFIND_PACKAGES = ("pagefind-bin-extended", "pagefind-bin", "pagefind")  # the binary first


def version_line() -> str:
    return f"site_builder {site_builder.__version__} (Python {platform.python_version()})"


def library_versions() -> list[tuple[str, str]]:
    """(name, version) of every library, "not installed" for a missing one, then Pagefind when present."""
    found = [(name, installed(name) or "not installed") for name in LIBRARIES]
    pagefind = pagefind_version()
    if pagefind:
        found.append(("Pagefind", pagefind))
    return found


def installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def pagefind_version() -> str | None:
    """The Python package's version, else what a `pagefind` on PATH says (`pagefind 1.5.2`)."""
    for name in PAGEFIND_PACKAGES:
        if found := installed(name):
            return found
    program = shutil.which("pagefind")
    if program is None:
        return None
    try:
        done = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    words = done.stdout.split()
    return words[-1] if done.returncode == 0 and words else None


def report(verbose: bool) -> str:
    lines = [version_line()]
    if verbose:
        width = max(len(name) for name in LIBRARIES + ("Pagefind",))
        lines += [f"  {name:<{width}}  {version}" for name, version in library_versions()]
    return "\n".join(lines)
