import os
import shutil

import pytest

from fangkong.core.testing import skip_or_fail_in_ci
from fangkong.project.testing import build_world, client_for

CHROMIUM = os.environ.get("FANGKONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Deep variants of the persona matrix and the API fuzz: left out of every run unless the -m expression names
# them (`pytest -m matrix_full`), so `make test` and its legs keep their marker expressions.
DEEP_MARKERS = ("matrix_full", "fuzz_full")


def pytest_collection_modifyitems(config, items):
    expression = config.getoption("markexpr") or ""
    skipped = [m for m in DEEP_MARKERS if m not in expression]
    if not skipped:
        return
    kept, deselected = [], []
    for item in items:
        (deselected if any(item.get_closest_marker(m) for m in skipped) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(autouse=True)
def _dashboard_counted_live(settings):
    """Tests read the dashboard's figures right after writing them: its per-scope cache is off, except where
    a test turns it on (command/tests/test_board_cache.py)."""
    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_ttl_caches():
    """Every test starts and ends with the per-process caches empty (core.ttlcache: rounds, slots, venues)."""
    from fangkong.core import ttlcache

    ttlcache.clear_all()
    yield
    ttlcache.clear_all()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def as_persona(world):
    def _client(persona: str):
        return client_for(persona, world)

    return _client


@pytest.fixture(scope="session")
def _playwright_browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        skip_or_fail_in_ci(f"Debian chromium is not installed ({CHROMIUM})")
    # Playwright's sync API keeps an event loop in this thread for the session; the tests' own ORM calls
    # are synchronous, so async-safety is relaxed while the browser is up, and restored afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(_playwright_browser):
    """A fresh browser context; call it with viewport size, e.g. browser_context(390, 844) for a phone."""
    contexts = []

    def _new(width: int = 1280, height: int = 900, **kwargs):
        ctx = _playwright_browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", **kwargs
        )
        contexts.append(ctx)
        return ctx

    yield _new
    for ctx in contexts:
        ctx.close()


def login_in_browser(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture(autouse=True)
def _public_links_to_live_server(request):
    """In tests with a live server, public links and QR codes (FANGKONG_PUBLIC_BASE_URL) point at it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.FANGKONG_PUBLIC_BASE_URL = request.getfixturevalue("live_server").url
    yield
