"""At phone width: a resident books on the public page and gets a voucher; staff log in and verify the pickup,
and a second pickup is refused."""

import pytest

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD, make_id_number, make_phone
from fangkong.masks import numbers, services
from fangkong.masks.choices import VoucherStatus
from fangkong.masks.models import Booking, Voucher
from fangkong.masks.tests.conftest import open_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_books_and_staff_verify_the_pickup(world, live_server, browser_context):
    rnd = open_round(world, name="浏览器轮")
    services.record_stock_batch(actor=world.hq, mask_round=rnd, neighborhood=world.hood_a, quantity=50)

    phone = browser_context(390, 844).new_page()
    phone.goto(f"{live_server.url}/masks/r/{rnd.pk}/")
    phone.fill("#id_name", "王芳")
    id_number = make_id_number()
    phone.fill("#id_id_number", id_number)
    phone.fill("#id_phone", make_phone())
    phone.select_option("#id_neighborhood", str(world.hood_a.pk))
    phone.wait_for_selector(f"#id_compound option[value='{world.compound_a.pk}']", state="attached")
    phone.select_option("#id_compound", str(world.compound_a.pk))
    phone.wait_for_selector(f"#id_building option[value='{world.building_a.pk}']", state="attached")
    phone.select_option("#id_building", str(world.building_a.pk))
    phone.fill("#id_room", "101")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("button[type=submit]")
    phone.wait_for_selector("#booking-number")
    booking = Booking.objects.get(round=rnd)
    assert phone.inner_text("#booking-number") == booking.number
    phone.click("#voucher-link")
    phone.wait_for_selector("#voucher-number")
    number = phone.inner_text("#voucher-number").strip()
    assert phone.locator(".qr svg").count() == 1
    voucher = Voucher.objects.get(number=number)
    assert voucher.booking == booking

    staff = browser_context(390, 844).new_page()
    login_in_browser(staff, live_server, "staff_a", PASSWORD)
    staff.goto(f"{live_server.url}/masks/pickup/?round={rnd.pk}")
    staff.fill("#id_number", number.lower())
    staff.fill("#id_id_check", "0000" if id_number[-4:] != "0000" else "1111")
    staff.click("button.btn-primary")
    staff.wait_for_selector(".msg-error")
    assert "证件与预约人不符" in staff.inner_text(".messages")
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.ISSUED
    staff.fill("#id_number", number.lower())
    staff.fill("#id_id_check", id_number[-4:])
    staff.click("button.btn-primary")
    staff.wait_for_selector(".msg-success")
    assert "核销成功" in staff.inner_text(".messages")
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.COLLECTED
    staff.fill("#id_number", number)
    staff.fill("#id_id_check", id_number)
    staff.click("button.btn-primary")
    staff.wait_for_selector(".msg-error")
    assert "已于" in staff.inner_text(".messages")


def test_staff_pages_at_desktop_and_phone_width(world, live_server, browser_context):
    """The bookings list shows every booking's address and status inside a phone's width (cards), and the
    pickup page opens on the round in its pickup window, at 1280 and 390 px."""
    import datetime as dt

    from django.utils import timezone

    from fangkong.masks.tests.conftest import add_households

    now = timezone.now()
    day = dt.timedelta(days=1)
    first = open_round(world, name="第一轮", opens_at=now - 3 * day, closes_at=now - day)
    open_round(world, name="第二轮", opens_at=now + day, closes_at=now + 2 * day)
    for h in add_households(world, 3):
        Booking.objects.create(
            subdistrict_id=world.sub.pk,
            round=first,
            number=numbers.new_number(),
            neighborhood=world.hood_a,
            building=world.building_a,
            room=h.room,
            address_key=numbers.address_key(world.building_a.pk, h.room),
            household=h,
            name="住户",
        )
    for width, height in ((1280, 900), (390, 844)):
        page = browser_context(width, height).new_page()
        login_in_browser(page, live_server, "staff_a", PASSWORD)
        page.goto(f"{live_server.url}/masks/rounds/{first.pk}/bookings/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        badges = page.locator("#rows tbody .badge")
        assert badges.count() == 3
        for i in range(3):
            box = badges.nth(i).bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
        page.goto(f"{live_server.url}/masks/pickup/")
        selected = page.eval_on_selector("select[name=round]", "s => s.options[s.selectedIndex].text")
        assert selected.startswith("第一轮") and "领取中" in selected
