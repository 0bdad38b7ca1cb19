"""The persona × URL matrix: one expectation per URL name (and per API operation) and persona.

Each app keeps its table in ``fangkong/<app>/tests/personas.py`` (NetBox's idea: one table drives every
permission case, so a new view inherits its tests and a missing expectation is visible):

```python
from fangkong.core.tests.matrix import LOGIN, Case, answers

def build(w):                       # optional: add this app's objects to the persona world
    w.mask_round = ...              # objects in neighborhood A, so staff_b and other_hq answer 404

EXPECTATIONS = {
    "masks:round_detail": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(404, hq=200, staff_a=200, staff_b=200, anonymous=LOGIN),
        post=answers(405, anonymous=LOGIN),             # optional
    ),
    "POST /api/v1/masks/pickup": Case(post=answers(404, anonymous=401), data=lambda w: {...}),
}
```

Keys are URL names (``namespace:name``) for pages, and ``METHOD /api/v1/path/{param}`` (as the OpenAPI
document spells the path) for API operations. ``answers(default, **persona)`` gives every persona of
``PERSONAS`` an answer: a status code, ``LOGIN`` (a redirect to the sign-in page) or ``ALLOWED`` (anything but
a refusal: not 401/403/404/405, not a redirect to sign in, not a server error; for POSTs whose outcome
depends on the data sent). ``test_persona_matrix`` walks the URL conf and the OpenAPI document and fails on
any pattern or operation without a row here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

PERSONAS = (
    "hq",
    "staff_a",
    "staff_b",
    "cadre",
    "org_contact",
    "office",
    "viewer",
    "auditor",
    "other_hq",
    "anonymous",
)
LOGIN = "login"
ALLOWED = "allowed"
REFUSALS = {401, 403, 404, 405}

# The apps whose tests/personas.py hold a table, in the order their ``build`` runs (later apps build on
# earlier ones' objects).
APPS = ("core", "api", "registry", "masks", "pairing", "returnees", "command")

# URL namespaces left out of the walk: Django's admin (read-only for domain models, its own permission
# system) and the API's operation views (covered through the OpenAPI document instead).
EXCLUDED_NAMESPACES = ("admin",)

Answer = int | str
Answers = dict[str, Answer]


def answers(default: Answer, **per_persona: Answer) -> Answers:
    """Every persona's answer: ``default`` unless named."""
    unknown = set(per_persona) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas: {sorted(unknown)}")
    return {p: per_persona.get(p, default) for p in PERSONAS}


@dataclass(frozen=True)
class Case:
    """What each persona gets from one URL name or API operation."""

    get: Answers | None = None
    post: Answers | None = None
    kwargs: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    data: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    query: str = ""
    note: str = ""


def load_tables() -> tuple[
    dict[str, Case], list[Callable[[SimpleNamespace], None]], list[Callable[[], None]]
]:
    """All apps' expectations, their world builders and their cache resets."""
    table: dict[str, Case] = {}
    builders: list[Callable[[SimpleNamespace], None]] = []
    resets: list[Callable[[], None]] = []
    for app in APPS:
        try:
            module = importlib.import_module(f"fangkong.{app}.tests.personas")
        except ModuleNotFoundError as exc:
            if exc.name in (f"fangkong.{app}.tests.personas", f"fangkong.{app}.tests"):
                continue
            raise
        for key, case in getattr(module, "EXPECTATIONS", {}).items():
            if key in table:
                raise ValueError(f"{key} has an expectation in two tables")
            for answers_ in (case.get, case.post):
                if answers_ is not None and set(answers_) != set(PERSONAS):
                    raise ValueError(f"{key}: give every persona an answer (use answers())")
            table[key] = case
        if hasattr(module, "build"):
            builders.append(module.build)
        if hasattr(module, "reset"):
            resets.append(module.reset)
    return table, builders, resets


def url_names() -> dict[str, str]:
    """Every named URL pattern outside the excluded namespaces: ``namespace:name`` -> route. Unnamed
    patterns appear under their route, so they fail the coverage test until they get a name."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[str, str] = {}

    def walk(patterns: Any, prefix: str, namespace: str, api: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                if ns.split(":")[0] in EXCLUDED_NAMESPACES:
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns, api or p.namespace == "api")
            elif isinstance(p, URLPattern):
                if api and _is_ninja_operation(p):
                    continue
                route = prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
                found[name] = route

    walk(get_resolver().url_patterns, "", "", False)
    return found


def _is_ninja_operation(pattern: Any) -> bool:
    return getattr(pattern.callback, "__qualname__", "").startswith("PathView.")


def api_operations() -> dict[str, str]:
    """Every operation of the OpenAPI document: ``METHOD /api/v1/path`` -> operationId."""
    from fangkong.api.api import api

    schema = api.get_openapi_schema()
    ops: dict[str, str] = {}
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            ops[f"{method.upper()} {path}"] = op.get("operationId", "")
    return ops
