"""The persona × URL matrix, generated from the URL conf and the OpenAPI document.

Every URL name and API operation has a row in its app's ``tests/personas.py`` (format: ``core.tests.matrix``);
a new URL without one fails ``test_every_url_and_operation_has_an_expectation``. The persona world (the cast
of ``core.testing`` plus each app's ``build``) is built once per test class and every request is rolled back,
so POSTs leave nothing behind for the next persona.

Each row asks every persona GET and, where the row gives one, POST.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, TestCase
from django.urls import reverse

from fangkong.core.testing import build_world
from fangkong.core.tests.matrix import (
    ALLOWED,
    LOGIN,
    PERSONAS,
    REFUSALS,
    Case,
    api_operations,
    load_tables,
    url_names,
)

TABLE, BUILDERS, RESETS = load_tables()
API_PREFIX = "/api/v1"


def test_every_url_and_operation_has_an_expectation():
    """A URL pattern or API operation with no row in a personas table fails here; so does a stale row."""
    wanted = set(url_names()) | set(api_operations())
    missing = sorted(wanted - set(TABLE))
    stale = sorted(set(TABLE) - wanted)
    assert not missing, "no persona expectation (add it to the app's tests/personas.py): " + ", ".join(
        missing
    )
    assert not stale, "expectations for URLs that no longer exist: " + ", ".join(stale)


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
    cookies: dict[str, SimpleCookie] = {}  # noqa: RUF012

    @classmethod
    def setUpTestData(cls) -> None:
        for reset in RESETS:
            reset()
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
        for reset in RESETS:
            reset()
        cache.clear()
        self.w = type(self)._world  # type: ignore[attr-defined]

    def tearDown(self) -> None:
        for reset in RESETS:
            reset()
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


def _test_name(key: str) -> str:
    return "test_" + re.sub(r"\W+", "_", key).strip("_").lower()


class TestPersonaMatrix(MatrixWorld):
    """One test per URL name / API operation: every persona's answer against its row."""


for _key in sorted(TABLE):

    def _make(key: str) -> Any:
        def test(self: MatrixWorld) -> None:
            self.check(key)

        test.__doc__ = f"persona matrix: {key}"
        return test

    setattr(TestPersonaMatrix, _test_name(_key), _make(_key))


def test_table_keys_have_distinct_test_names():
    names = [_test_name(k) for k in TABLE]
    assert len(names) == len(set(names))
