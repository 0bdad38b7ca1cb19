"""Security headers: a Content-Security-Policy with no inline script, a Permissions-Policy, and
X-Forwarded-Proto believed only when the operator says a proxy sets it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD

PACKAGE = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def _templates() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.html") if "static" not in p.parts)


def test_no_template_has_an_inline_script_or_event_handler():
    found = []
    for path in _templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {match.group(0).strip()}")
    assert not found, "\n".join(found)


def test_policy_allows_scripts_only_from_the_site():
    directives = dict(
        (d.split()[0], d.split()[1:]) for d in settings.CONTENT_SECURITY_POLICY.split("; ") if d.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in settings.CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in " ".join(directives["script-src"] + directives["default-src"])


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/api/v1/docs"])
def test_every_answer_carries_the_policies(path):
    response = Client().get(path)
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_api_docs_load_their_script_from_static_files():
    body = Client().get("/api/v1/docs").content.decode()
    assert "cdn." not in body
    assert not INLINE_SCRIPT.search(body)


@pytest.mark.django_db
def test_forwarded_proto_is_not_believed_without_a_trusted_proxy(rf):
    assert not settings.FANGKONG_TRUST_PROXY
    assert settings.SECURE_PROXY_SSL_HEADER is None
    request = rf.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert not request.is_secure()


@pytest.mark.parametrize("trust,expected", [("1", "('HTTP_X_FORWARDED_PROTO', 'https')"), ("0", "None")])
def test_trust_proxy_setting(trust, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGKONG_")}
    env.update(FANGKONG_TRUST_PROXY=trust, FANGKONG_DEBUG="0", FANGKONG_SECRET_KEY="x" * 60)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import fangkong.settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == expected


# --- in a browser: the main pages run under the policy with no violation ----------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_raise_no_csp_violation(world, live_server, browser_context):
    page = browser_context(1280, 900).new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: messages.append(f"pageerror: {exc}"))
    seen_policy: list[str] = []
    page.on("response", lambda r: seen_policy.append(r.headers.get("content-security-policy", "")))

    page.goto(f"{live_server.url}/returnees/p/declare/{world.sub.pk}/")  # a public page (htmx cascades)
    page.wait_for_load_state("networkidle")
    login_in_browser(page, live_server, "hq", PASSWORD)  # the sign-in page
    assert page.url.rstrip("/") == live_server.url  # home
    for path in ("/registry/households/", "/returnees/", "/masks/", "/api/v1/docs"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # the shared script runs: a navigation menu group opens, and a click elsewhere closes it
    page.goto(f"{live_server.url}/")
    group = page.locator("details.navgroup").first
    if group.count():
        group.locator("summary").click()
        assert group.get_attribute("open") is not None
        page.locator("main").click(position={"x": 5, "y": 5})
        assert group.get_attribute("open") is None

    assert any("script-src 'self'" in p for p in seen_policy)
    violations = [m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not violations, "\n".join(violations)
    assert not [m for m in messages if m.startswith("pageerror")], messages
