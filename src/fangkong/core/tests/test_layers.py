"""The layers of the code: an app imports only the layers below it, not even inside a function.

core (accounts, scope, audit, personal data, jobs) < registry (the population) < the domain apps (pairing,
masks, returnees) < command (the dashboard) < api < project (the demo across apps and the persona world).
Core learns about the apps above it through registrations (menu, home panels, scope providers, jobs,
spreadsheet formats, purge rules), never through an import. The scan reads every module outside tests and
migrations, with ``import x``, ``from x import y`` and ``importlib.import_module("x")`` alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # src/fangkong

# What each app may import, besides itself and the project's non-app modules (env, settings).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "registry": {"core"},
    "pairing": {"core", "registry"},
    "masks": {"core", "registry"},
    "returnees": {"core", "registry", "pairing"},  # a building's person in charge, when pairing is installed
    "care": {"core", "registry", "pairing", "masks", "returnees"},
    "tickets": {"core", "registry", "pairing", "returnees"},  # duty rosters; isolation present or not
    "inspections": {"core", "registry", "pairing", "returnees"},  # patrol rosters; firms' staff declarations
}
APPS = {
    "core",
    "registry",
    "pairing",
    "masks",
    "returnees",
    "care",
    "tickets",
    "inspections",
    "command",
    "api",
    "project",
}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every module a source imports: import statements and constant ``import_module`` arguments."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "fangkong":
                found.extend((node.lineno, f"fangkong.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def offences(app: str) -> list[str]:
    out = []
    for path in sorted((PACKAGE / app).rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        for line, module in imported_modules(path.read_text(encoding="utf-8")):
            bits = module.split(".")
            if bits[0] != "fangkong" or len(bits) < 2 or bits[1] == app or bits[1] not in APPS:
                continue
            if bits[1] not in ALLOWED[app]:
                out.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_the_layers_below(app):
    assert not offences(app), "\n".join(offences(app))


def test_the_scan_sees_every_kind_of_import():
    source = (
        "import fangkong.registry.models\n"
        "from fangkong.masks import services\n"
        "from fangkong import pairing\n"
        "def f():\n"
        "    from fangkong.registry.models import SubDistrict\n"
        "    importlib.import_module('fangkong.returnees.demo')\n"
        "from . import sibling\n"
    )
    assert [m for _line, m in imported_modules(source)] == [
        "fangkong.registry.models",
        "fangkong.masks",
        "fangkong",
        "fangkong.pairing",
        "fangkong.registry.models",
        "fangkong.returnees.demo",
    ]
