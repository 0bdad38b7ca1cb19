"""No import cycle between the project's modules, counting imports inside functions: a module split along its
sections (masks.services into allocation, lottery, pickup, reconcile...) keeps its parts in one direction."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # src/fangkong


def module_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in it), for every module outside tests and
    migrations."""
    paths = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package).with_suffix("").parts
        if "migrations" in parts or "tests" in parts:
            continue
        name = ".".join(("fangkong", *parts)).removesuffix(".__init__")
        paths[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps.add(node.module)
                deps.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {d for d in deps if d in paths and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
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
                    work.append((child, iter(sorted(graph[child]))))
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


def test_no_import_cycle_between_the_projects_modules():
    found = cycles(module_graph())
    assert not found, f"import cycles (break them by moving the shared part down): {found}"


def test_the_scan_finds_a_cycle_through_an_import_inside_a_function(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "a.py").write_text("from fangkong.app import b\n")
    (app / "b.py").write_text("def f():\n    from fangkong.app.c import x\n")
    (app / "c.py").write_text("import fangkong.app.a\n")
    (app / "d.py").write_text("from fangkong.app import a\n")
    assert cycles(module_graph(tmp_path)) == [["fangkong.app.a", "fangkong.app.b", "fangkong.app.c"]]
