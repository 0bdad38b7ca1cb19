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
import json
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, TestCase
from django.urls import reverse

from fangkong.core import ttlcache
from fangkong.project.testing import build_world

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
APPS = (
    "core",
    "api",
    "registry",
    "masks",
    "pairing",
    "returnees",
    "care",
    "tickets",
    "inspections",
    "command",
)

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


def load_tables() -> tuple[dict[str, Case], list[Callable[[SimpleNamespace], None]]]:
    """All apps' expectations and their world builders."""
    table: dict[str, Case] = {}
    builders: list[Callable[[SimpleNamespace], None]] = []
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
    return table, builders


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


TABLE, BUILDERS = load_tables()


def is_login_redirect(response: Any) -> bool:
    if response.status_code != 302:
        return False
    return urlparse(response["Location"]).path == resolve_url(settings.LOGIN_URL)


def verdict(response: Any, expected: Any) -> bool:
    status = response.status_code
    if expected == LOGIN:
        return is_login_redirect(response)
    if expected == ALLOWED:
        return status < 500 and status not in REFUSALS and not is_login_redirect(response)
    if expected == 302:
        return status == 302 and not is_login_redirect(response)
    return status == expected


def shown(response: Any) -> str:
    if is_login_redirect(response):
        return LOGIN
    return str(response.status_code)


@contextmanager
def rolled_back():
    """Run a request in a savepoint that is always rolled back. Marked like TestCase's own atomic blocks,
    so a service's ``atomic(durable=True)`` still runs inside it."""
    atomic = transaction.atomic()
    atomic._from_testcase = True  # type: ignore[attr-defined]
    with atomic:
        yield
        transaction.set_rollback(True)


def url_for(key: str, case: Case, w: Any) -> tuple[str, str]:
    """(method, url) of a row: API keys name their method; page keys are reversed with the row's kwargs."""
    kwargs = case.kwargs(w) if case.kwargs else {}
    if key.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
        method, path = key.split(" ", 1)
        return method, re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path) + (
            "?" + case.query if case.query else ""
        )
    return "", reverse(key, kwargs=kwargs) + ("?" + case.query if case.query else "")


class MatrixWorld(TestCase):
    """The persona world, built once per class; each persona's signed-in cookies are kept to reuse."""

    w: Any = None

    @classmethod
    def setUpTestData(cls) -> None:
        ttlcache.clear_all()
        cache.clear()
        w = build_world()
        for build in BUILDERS:
            build(w)
        type.__setattr__(cls, "_world", w)
        jar: dict[str, SimpleCookie] = {}
        for persona in PERSONAS:
            client = Client()
            if persona != "anonymous":
                client.force_login(getattr(w, persona))
            jar[persona] = client.cookies
        type.__setattr__(cls, "_jar", jar)

    def setUp(self) -> None:
        ttlcache.clear_all()
        cache.clear()
        self.w = type(self)._world  # type: ignore[attr-defined]

    def tearDown(self) -> None:
        ttlcache.clear_all()
        cache.clear()

    def client_for(self, persona: str, **kwargs: Any) -> Client:
        client = Client(raise_request_exception=False, **kwargs)
        client.cookies = SimpleCookie()
        for key, morsel in type(self)._jar[persona].items():  # type: ignore[attr-defined]
            client.cookies[key] = morsel.value
        return client

    def ask(self, persona: str, method: str, url: str, data: dict[str, Any] | None, api: bool) -> Any:
        client = self.client_for(persona)
        with rolled_back():
            if method == "GET":
                return client.get(url, data or None)
            if api:
                return client.generic(method, url, json.dumps(data or {}), content_type="application/json")
            return client.post(url, data or {})

    def check(self, key: str) -> None:
        case = TABLE[key]
        method, url = url_for(key, case, self.w)
        api = bool(method)
        plan: list[tuple[str, dict[str, Any]]] = []
        if api:
            plan.append((method, case.get if method == "GET" else case.post or {}))
        else:
            if case.get is not None:
                plan.append(("GET", case.get))
            if case.post is not None:
                plan.append(("POST", case.post))
        data = case.data(self.w) if case.data else None
        wrong = []
        for verb, expected in plan:
            for persona in PERSONAS:
                response = self.ask(persona, verb, url, data if verb != "GET" else None, api)
                if not verdict(response, expected[persona]):
                    wrong.append(f"{verb} {persona}: expected {expected[persona]}, got {shown(response)}")
        assert not wrong, f"{key} ({url}):\n  " + "\n  ".join(wrong)
