"""The studio's modules import one another in one direction: no import cycle, however it is hidden.

Every import statement of every module under studio/ counts (module-level, and any left inside a function
or an `if`), so a cycle cannot be kept alive by a late import. Migrations are left out: Django loads them
by name, and they import only `django` and, at most, field helpers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "studio"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def studio_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted((ROOT / PACKAGE).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported_modules(module: str, path: Path, known: Iterable[str]) -> set[str]:
    """The studio modules `module` imports; `from package import name` counts the submodule if it is one."""
    known = set(known)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    modules = studio_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle of the graph as [a, b, …, a], or None when it has none (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_names_the_cycle_of_a_synthetic_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert find_cycle(graph) == ["a", "b", "c", "a"]


@pytest.mark.parametrize(
    "graph",
    [{}, {"a": {"b"}, "b": {"c"}, "c": set()}, {"a": {"b", "c"}, "b": {"c"}, "d": {"a", "c"}}],
)
def test_find_cycle_finds_none_in_a_one_way_graph(graph: dict[str, set[str]]) -> None:
    assert find_cycle(graph) is None


def test_imported_modules_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    package = tmp_path / "studio" / "things"
    package.mkdir(parents=True)
    path = package / "a.py"
    path.write_text(
        "from studio.things import b\n"
        "from . import c\n"
        "def late():\n"
        "    from studio.things.d import name\n"
        "    import studio.things.e\n"
    )
    known = {f"studio.things.{name}" for name in "abcde"} | {"studio.things"}

    assert imported_modules("studio.things.a", path, known) == {f"studio.things.{name}" for name in "bcde"}


def test_the_graph_covers_the_engine_and_its_tasks() -> None:
    graph = import_graph()

    assert "studio.generations.engine.submit" in graph["studio.generations.tasks"]
    assert "studio.generations.engine.capacity" in graph["studio.generations.engine.submit"]


def test_studio_modules_import_one_another_without_a_cycle() -> None:
    cycle = find_cycle(import_graph())

    assert cycle is None, "Import cycle: " + " → ".join(cycle or [])


def test_engine_modules_import_only_those_before_them() -> None:
    order = ["enqueue", "storage", "progress", "capacity", "submit", "run", "ingest", "recovery", "poller"]
    engine = "studio.generations.engine"
    graph = import_graph()
    modules = {name.removeprefix(f"{engine}.") for name in graph if name.startswith(f"{engine}.")}

    assert modules == set(order)
    for position, name in enumerate(order):
        imported = {
            target.removeprefix(f"{engine}.")
            for target in graph[f"{engine}.{name}"]
            if target.startswith(f"{engine}.")
        }
        assert imported <= set(order[:position]), f"{name} imports {sorted(imported - set(order[:position]))}"


def test_no_engine_module_imports_the_tasks_or_the_views() -> None:
    graph = import_graph()
    above = {"studio.generations.tasks", "studio.generations.views", "studio.generations.services"}

    for module, targets in graph.items():
        if module.startswith("studio.generations.engine"):
            assert not targets & above, module
