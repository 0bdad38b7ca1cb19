"""The header bell counts up, without a reload, when a fever is reported in another tab."""

from __future__ import annotations

import pytest

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD
from fangkong.returnees import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_bell_rises_when_a_fever_is_reported_elsewhere(world, isolated, live_server, browser_context, width):
    staff = browser_context(width, 900).new_page()
    login_in_browser(staff, live_server, "staff_a", PASSWORD)
    staff.goto(f"{live_server.url}/")
    staff.wait_for_selector("#bell")
    assert staff.locator("#bell .bell-count").count() == 0

    resident = browser_context(390, 844).new_page()
    token = services.reissue_report_link(actor=world.staff_a, isolation=isolated.isolation)
    resident.goto(f"{live_server.url}/returnees/p/r/{token}/")
    resident.fill("#id_temperature", "38.5")
    resident.click("#report-form button[type=submit]")
    resident.wait_for_load_state("networkidle")

    # no reload of the staff tab: the bell polls
    staff.wait_for_selector("#bell .bell-count", timeout=20_000)
    assert staff.locator("#bell .bell-count").inner_text().strip() == "1"
    staff.click("#bell")
    staff.wait_for_load_state("networkidle")
    assert "隔离人员发热预警" in staff.content()
