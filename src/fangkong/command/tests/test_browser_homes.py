"""Browser flows of the role homes: a cadre on a phone checks a building in from the home page with one tap,
and HQ sees a new fever on the dashboard (its home) without reloading the page."""

import pytest
from django.utils import timezone

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD
from fangkong.pairing import services as pairing_services
from fangkong.pairing.models import CheckInRound, Point
from fangkong.registry.models import SupportCadre
from fangkong.returnees import services as returnee_services
from fangkong.returnees.tests.conftest import make_input  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cadre_checks_in_from_the_home_page_in_one_tap(world, live_server, browser_context, settings):
    settings.FANGKONG_NOTIFY_BACKENDS = []
    w = world
    pairing_services.ensure_points(actor=w.hq, subdistrict=w.sub)
    cadre = SupportCadre.objects.create(subdistrict=w.sub, name="张老师", department=w.dept, user=w.cadre)
    pairing_services.pair_cadre(actor=w.hq, cadre=cadre, point=Point.objects.get(neighborhood=w.hood_a))
    pairing_services.assign_building(actor=w.hq, building=w.building_a, cadre=cadre)
    template = pairing_services.create_task_template(
        actor=w.hq, subdistrict=w.sub, name="电梯消毒", frequency=1
    )
    pairing_services.apply_template(actor=w.hq, template=template)
    pairing_services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=timezone.localdate())
    rnd = CheckInRound.objects.get(building=w.building_a)

    phone = browser_context(390, 844).new_page()
    login_in_browser(phone, live_server, "cadre", PASSWORD)
    phone.goto(f"{live_server.url}/")
    row = phone.locator(f"#home-round-{rnd.pk}")
    assert row.get_attribute("data-status") == "pending"
    assert "电梯消毒" in row.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = row.locator("button[type=submit]").bounding_box()
    assert box is not None and box["height"] >= 40  # a thumb-sized target
    row.locator("button[type=submit]").click()  # the one tap
    phone.wait_for_load_state("networkidle")
    assert phone.url.split("#")[0] == f"{live_server.url}/"
    assert phone.locator(f"#home-round-{rnd.pk}").get_attribute("data-status") == "done"
    assert "已打卡" in phone.content()
    CheckInRound.objects.get(pk=rnd.pk, status="done", done_by=w.cadre)


def test_hq_sees_a_new_fever_on_the_dashboard_without_a_reload(
    world,
    live_server,
    browser_context,
    settings,
    make_input,  # noqa: F811
):
    settings.FANGKONG_NOTIFY_BACKENDS = []
    settings.FANGKONG_DASHBOARD_POLL_SECONDS = 1
    w = world
    declaration = returnee_services.declare_return(actor=w.staff_a, data=make_input())

    page = browser_context(1280, 900).new_page()
    login_in_browser(page, live_server, "hq", PASSWORD)
    page.goto(f"{live_server.url}/")
    fevers = page.locator('[data-figure="returnees.fevers"] b')
    assert fevers.inner_text().strip() == "0"
    page.evaluate("window.__same_page = true")

    returnee_services.submit_report(actor=w.staff_a, isolation=declaration.isolation, temperature="38.5")

    page.wait_for_function(
        """() => {
            const b = document.querySelector('[data-figure="returnees.fevers"] b');
            return b && b.textContent.trim() === "1";
        }""",
        timeout=20_000,
    )
    assert page.evaluate("window.__same_page === true")  # the page was not reloaded
    assert (
        page.locator('[data-figure="returnees.fevers"]').get_attribute("class").split().count("behind") == 1
    )
