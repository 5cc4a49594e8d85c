"""The tree shows the architecture: no import circles, no module over 400 lines, nothing
outside tests/ imports from tests/, and scheduler/ is cut into stage packages with a README.

The import graph is built from the source with ast (nothing is imported), so a circle that
only shows up at run time in some order of imports is still caught."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("scheduler", "plugins", "demo")
MAX_LINES = 400
STAGES = ("collect", "curate", "plan", "publish", "store", "jobs", "cli", "alerts", "credentials")


def source_files() -> list[Path]:
    files = [f for package in PACKAGES for f in (ROOT / package).rglob("*.py")]
    return [f for f in files if "migrations" not in f.relative_to(ROOT).parts]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, name: str) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(f): f for f in source_files()}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for target in imported_names(path, name):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # Importing a.b.c runs a/__init__ and a/b/__init__ first: those are edges too, so a
            # circle through a package's __init__ is found. A module importing its own package
            # (or a parent) is how Python loads it, not a circle.
            parts = target.split(".") if target else []
            for size in range(1, len(parts) + 1):
                ancestor = ".".join(parts[:size])
                if ancestor in modules and ancestor != name and not name.startswith(ancestor + "."):
                    deps.add(ancestor)
        graph[name] = deps
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_no_module_over_400_lines():
    long = {str(f.relative_to(ROOT)): n for f in source_files()
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_nothing_outside_tests_imports_tests():
    offenders = [str(f.relative_to(ROOT)) for f in [*source_files(), ROOT / "tasks.py", *ROOT.glob("bench/*.py")]
                 if any(n.split(".")[0] == "tests" for n in imported_names(f, module_name(f)))]
    assert offenders == []


@pytest.mark.parametrize("stage", STAGES)
def test_scheduler_stage_packages_have_a_readme(stage):
    package = ROOT / "scheduler" / stage
    assert (package / "__init__.py").exists()
    readme = (package / "README.md").read_text(encoding="utf-8")
    for heading in ("## Inputs", "## Outputs", "## Invariants"):
        assert heading in readme, f"scheduler/{stage}/README.md lacks {heading!r}"


def test_scheduler_top_level_is_only_glue():
    top = sorted(p.name for p in (ROOT / "scheduler").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "config.py", "exitcodes.py"]
