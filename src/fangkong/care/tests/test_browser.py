"""Browser flow at phone width: a cadre opens this week's missed list on a phone, records a delivery with an
unwell welfare check, and the committee gets the alert."""

import pytest
from django.utils import timezone

from conftest import login_in_browser
from fangkong.care import services
from fangkong.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delivery_recorded_on_a_phone(world, live_server, browser_context):
    from fangkong.care.models import Delivery
    from fangkong.core.models import Notification

    yesterday = (timezone.localdate().weekday() - 1) % 7
    record = services.enrol_care(
        actor=world.staff_a,
        resident=world.resident_a,
        data=services.CareInput(weekday=yesterday, items="1876农庄有机蔬菜"),
    )
    page = browser_context(390, 844).new_page()
    login_in_browser(page, live_server, "cadre", PASSWORD)
    page.goto(f"{live_server.url}/care/people/{record.pk}/")
    page.click("text=记录本次配送")
    page.wait_for_selector("#save-delivery")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.check("input[name=outcome][value=delivered]")
    page.check("input[name=welfare][value=unwell]")
    page.fill("#id_note", "有点咳嗽，已告知家属")
    page.click("#save-delivery")
    page.wait_for_selector("text=已记录")
    assert "有点咳嗽" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    d = Delivery.objects.get(record=record)
    assert d.outcome == "delivered" and d.welfare == "unwell" and d.recorded_by == world.cadre
    assert Notification.objects.filter(kind="care.unwell", recipient=world.staff_a).exists()
