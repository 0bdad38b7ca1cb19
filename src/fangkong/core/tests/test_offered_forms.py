"""No page offers a form that its user cannot submit.

For every page of the persona matrix that a persona may GET (its row says 200 and the answer is HTML), the
page's POST forms (and htmx ``hx-post`` controls) are read, and each is submitted by the same persona with the
form's own fields, the CSRF token included and checked. A 200 with form errors, a redirect or a 4xx about the
data is fine; 403, 404 or 405 means the page offered a control its user may not use (issue: render a control
only when the predicate the view checks says yes).

The default slice asks the personas whose rights are narrowest; ``pytest -m matrix_full`` asks all of them.
Known offenders are listed in ``KNOWN_REFUSED_FORMS`` with the reason; the list is strict: when a fix makes one
of them pass, the test fails until the entry is removed.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import Resolver404, resolve

from fangkong.core.tests.matrix import PERSONAS, TABLE, MatrixWorld, rolled_back, url_for

DEFAULT_PERSONAS = ("staff_a", "cadre", "viewer", "auditor")
# Forms every page carries: the language switch is checked once per persona, not per page; sign-out is left
# to the matrix (it would sign the client out for the page's other forms).
SHARED_ACTIONS = {"set_language"}
SKIPPED_ACTIONS = {"logout"}
MAX_FORMS_PER_PAGE = 8

# (persona, page URL name, form action URL name) -> why it is refused today. Strict: remove an entry when the
# page stops offering the form or the action starts accepting it.
# Every offender found so far has been fixed; a new one goes here with its reason until its page is mended.
KNOWN_REFUSED_FORMS: dict[tuple[str, str, str], str] = {}


class FormParser(HTMLParser):
    """The POST forms of a page, each with the fields a browser would send by default."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if "hx-post" in a and tag != "form":
            self.forms.append({"action": a["hx-post"], "fields": [], "htmx": True})
        if tag == "form":
            method = a.get("method", "get").lower()
            action = a.get("hx-post") or a.get("action", "")
            if method == "post" or "hx-post" in a:
                self._form = {"action": action, "fields": [], "submit": None, "htmx": "hx-post" in a}
            else:
                self._form = None
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button"):
                if form["submit"] is None:
                    form["submit"] = (name, a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
            elif kind != "file":
                form["fields"].append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit") == "submit" and form["submit"] is None:
            form["submit"] = (name, a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "select" and self._select is not None and form is not None:
            form["fields"].append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form["fields"].append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "form" and form is not None:
            if form["submit"]:
                form["fields"].append(form["submit"])
            self.forms.append(form)
            self._form = None


def url_name(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return f"(no URL: {path})"
    return match.view_name


class OfferedForms(MatrixWorld):
    def submit_offered_forms(self, persona: str) -> None:
        refused: dict[tuple[str, str, str], str] = {}
        visited: set[str] = set()
        shared_done: set[str] = set()
        for key in sorted(TABLE):
            case = TABLE[key]
            if key.startswith(("GET ", "POST ")) or case.get is None or case.get[persona] != 200:
                continue
            _, page = url_for(key, case, self.w)
            client = self.client_for(persona, enforce_csrf_checks=True)
            with rolled_back():
                response = client.get(page)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            visited.add(key)
            parser = FormParser()
            parser.feed(response.content.decode())
            seen: set[tuple[str, tuple[str, ...]]] = set()
            for form in parser.forms:
                target = urljoin(page, form["action"] or page)
                if urlparse(target).netloc:
                    continue
                action = url_name(urlparse(target).path)
                signature = (target, tuple(sorted(n for n, _ in form["fields"])))
                if signature in seen or len(seen) >= MAX_FORMS_PER_PAGE:
                    continue
                seen.add(signature)
                if action in SKIPPED_ACTIONS:
                    continue
                if action in SHARED_ACTIONS:
                    if action in shared_done:
                        continue
                    shared_done.add(action)
                data: dict[str, list[str]] = {}
                for name, value in form["fields"]:
                    data.setdefault(name, []).append(value)
                headers = {}
                if form["htmx"] and "csrftoken" in client.cookies:
                    headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
                with rolled_back():
                    answer = client.post(target, data, **headers)
                if answer.status_code in (403, 404, 405):
                    refused[(persona, key, action)] = f"{target} answered {answer.status_code}"
        new = {k: v for k, v in refused.items() if k not in KNOWN_REFUSED_FORMS}
        fixed = [k for k in KNOWN_REFUSED_FORMS if k[0] == persona and k[1] in visited and k not in refused]
        lines = [f"{k}: {v}" for k, v in sorted(new.items())]
        assert not new, "pages offer forms their user cannot submit:\n  " + "\n  ".join(lines)
        assert not fixed, "fixed, remove from KNOWN_REFUSED_FORMS: " + ", ".join(map(str, fixed))


def _make(persona: str) -> Any:
    def test(self: OfferedForms) -> None:
        self.submit_offered_forms(persona)

    test.__doc__ = f"offered forms: {persona}"
    if persona not in DEFAULT_PERSONAS:
        test = pytest.mark.matrix_full(test)
    return test


for _persona in PERSONAS:
    setattr(OfferedForms, f"test_{_persona}", _make(_persona))
