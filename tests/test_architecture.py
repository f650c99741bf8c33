"""The shape of the code: stages that import one way only, modules a reader can hold in mind.

Read with `ast`, so a cycle hidden under `if TYPE_CHECKING:` or inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO
from site_builder import state

PACKAGE = REPO / "site_builder"
MAX_LINES = 400


def imports(source: str) -> set[str]:
    """The package's modules a module's source imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:  # from . import x / from .x import y
            found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "site_builder":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("site_builder."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("site_builder.")}
    return found


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, …, a], or [] when there is none (depth-first search)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str]:
        path.append(module)
        for other in sorted(edges.get(module, ())):
            if other in path:
                return path[path.index(other):] + [other]
            if other not in done and (found := visit(other)):
                return found
        path.pop()
        done.add(module)
        return []

    for module in sorted(edges):
        if module not in done and (found := visit(module)):
            return found
    return []


def package_graph() -> dict[str, set[str]]:
    return {path.stem: imports(path.read_text("utf-8")) - {path.stem} for path in sorted(PACKAGE.glob("*.py"))}


def test_no_module_imports_one_that_imports_it_back():
    assert cycle(package_graph()) == []


def test_the_cycle_finder_finds_cycles_even_under_type_checking():
    sources = {
        "render": "from site_builder.page_helpers import PageHelpers\n",
        "page_helpers": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from site_builder.render import Renderer\n",
        "plan": "from site_builder import urls\n",
    }
    edges = {name: imports(text) for name, text in sources.items()}
    assert cycle(edges) == ["page_helpers", "render", "page_helpers"]
    assert cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small_and_say_why_they_exist(path):
    text = path.read_text("utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{path.name}: {len(text.splitlines())} lines"
    if path.stem != "__main__":
        assert ast.get_docstring(ast.parse(text)), f"{path.name} has no docstring"


def test_page_signatures_cover_every_module_that_shapes_output():
    """A module added to the package counts for page signatures unless named as not shaping
    output; the names there are real modules (no stale entry hides a new one)."""
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert state.NOT_OUTPUT_MODULES <= modules
    assert {"build", "render", "plan", "page_helpers", "i18n", "markup", "state"} <= modules - state.NOT_OUTPUT_MODULES
