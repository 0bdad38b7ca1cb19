"""Browser flow at phone width: a returnee declares on the public form, reports a fever through the personal
link, and committee staff log in and see the alert on the follow-up board."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_declare_report_fever_and_staff_see_it(world, live_server, browser_context):
    page = browser_context(390, 844).new_page()
    today = timezone.localdate()
    page.goto(f"{live_server.url}/returnees/p/declare/{world.sub.pk}/")
    page.fill("#id_name", "钱七")
    page.fill("#id_id_number", make_id_number(random.Random(5)))
    page.fill("#id_phone", "13912345678")
    # The address cascade: neighborhood › compound › building, each list loaded by htmx.
    page.select_option("#id_neighborhood", str(world.hood_a.pk))
    page.wait_for_selector(f"#id_compound option[value='{world.compound_a.pk}']", state="attached")
    page.select_option("#id_compound", str(world.compound_a.pk))
    page.wait_for_selector(f"#id_building option[value='{world.building_a.pk}']", state="attached")
    page.select_option("#id_building", str(world.building_a.pk))
    page.fill("#id_room", "602")
    page.select_option("#id_origin_code", "420100")
    page.select_option("#id_transport", "rail")
    page.fill("#id_transport_number", "G1722")
    page.fill("#id_departure_date", (today - dt.timedelta(days=2)).isoformat())
    page.fill("#id_arrival_date", (today - dt.timedelta(days=1)).isoformat())
    page.check("#id_key_area")
    page.click("#declare-form button[type=submit]")
    page.wait_for_selector("#personal-link")
    assert "居家隔离" in page.content()
    # The page fits the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    link = page.get_attribute("#personal-link", "href")
    page.goto(link)
    assert "钱**" in page.content() and "钱七" not in page.content()
    page.fill("#id_temperature", "38.2")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#fever-msg")

    staff = browser_context(390, 844).new_page()
    login_in_browser(staff, live_server, "staff_a", PASSWORD)
    staff.goto(f"{live_server.url}/returnees/")
    assert staff.inner_text("#fever-count") == "1"
    fevers = staff.inner_text("#fevers")
    assert "钱七" in fevers and "38.2" in fevers

    other = browser_context(390, 844).new_page()
    login_in_browser(other, live_server, "staff_b", PASSWORD)
    other.goto(f"{live_server.url}/returnees/")
    assert other.inner_text("#fever-count") == "0"
