"""Browser flow at phone width: a cadre scans a building's QR poster, logs in, checks in, and the completion
board and the coverage board show it."""

import pytest
from django.utils import timezone

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD
from fangkong.pairing import services
from fangkong.pairing.models import CheckInRound, Point
from fangkong.registry.models import SupportCadre

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cadre_checks_in_by_qr_and_boards_update(world, live_server, browser_context, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = live_server.url
    settings.FANGKONG_NOTIFY_BACKENDS = []
    w = world
    services.ensure_points(actor=w.hq, subdistrict=w.sub)
    cadre = SupportCadre.objects.create(subdistrict=w.sub, name="张老师", department=w.dept, user=w.cadre)
    services.pair_cadre(actor=w.hq, cadre=cadre, point=Point.objects.get(neighborhood=w.hood_a))
    services.assign_building(actor=w.hq, building=w.building_a, cadre=cadre)
    template = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒", frequency=1)
    services.apply_template(actor=w.hq, template=template)
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=timezone.localdate())

    # the committee prints the poster; its QR code holds the check-in link
    hq = browser_context(1280, 900).new_page()
    login_in_browser(hq, live_server, "hq", PASSWORD)
    hq.goto(f"{live_server.url}/pairing/buildings/{w.building_a.pk}/poster/")
    assert hq.locator(".poster svg").count() == 1
    qr_link = hq.inner_text(".poster p.muted").strip()
    assert qr_link == f"{live_server.url}/pairing/checkin/b/{w.building_a.pk}/"
    hq.goto(f"{live_server.url}/pairing/rounds/")
    assert "0/1" in hq.inner_text("#today-completion")

    phone = browser_context(390, 844).new_page()
    phone.goto(qr_link)
    assert "/accounts/login/" in phone.url  # login is required
    phone.fill("#id_username", "cadre")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith(f"/pairing/checkin/b/{w.building_a.pk}/")
    rnd = CheckInRound.objects.get(building=w.building_a)
    item = phone.locator(f"#round-{rnd.pk}")
    assert item.get_attribute("data-status") == "pending"
    item.locator("input[name=note]").fill("已用84消毒液擦拭")
    item.locator("button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator(f"#round-{rnd.pk}").get_attribute("data-status") == "done"
    assert "已打卡" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # the completion board and the coverage board update
    phone.goto(f"{live_server.url}/pairing/rounds/")
    assert "1/1" in phone.inner_text("#today-completion")
    hq.goto(f"{live_server.url}/pairing/rounds/")
    today = hq.inner_text("#today-completion")
    assert "1/1" in today and w.hood_a.name in today
    hq.goto(f"{live_server.url}/pairing/")
    row = hq.locator(f"tr[data-point='{Point.objects.get(neighborhood=w.hood_a).pk}']")
    assert "张老师" in row.inner_text() and "1/1" in row.inner_text()
    CheckInRound.objects.get(pk=rnd.pk, status="done", done_by=w.cadre)
