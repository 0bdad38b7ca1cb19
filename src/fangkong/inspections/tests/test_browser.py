"""Browser flow at phone width: a committee member does a 四进 visit of a firm one screen per step, with a
photo resized on the phone, and the firm ends up dissuaded."""

import io

import pytest
from PIL import Image

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visit_on_a_phone(world, live_server, browser_context, tmp_path):
    from fangkong.inspections.models import Firm, Visit, VisitPhoto

    firm = Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a)
    picture = tmp_path / "gate.jpg"
    Image.new("RGB", (2400, 1800), (20, 120, 200)).save(picture, "JPEG")
    page = browser_context(390, 844).new_page()
    login_in_browser(page, live_server, "staff_a", PASSWORD)
    page.goto(f"{live_server.url}/inspections/firms/{firm.pk}/")
    page.click("text=开始四进巡查")
    page.fill("#id_team", "万安路以北巡察队")
    page.click("#visit-start button[type=submit]")
    page.wait_for_selector("#step-form")
    page.check("#id_seen")
    page.fill("#id_finding", "门口设有登记点")
    page.set_input_files("#photo-input", str(picture))
    page.wait_for_selector("#photo-preview:not([hidden])")
    page.click("#step-form button[type=submit]")
    for _ in range(3):  # workshop, warehouse, dormitory
        page.wait_for_selector("#step-form")
        page.check("#id_seen")
        page.click("#step-form button[type=submit]")
    page.wait_for_selector("#id_forms_handed")
    page.fill("#id_forms_handed", "12")
    page.fill("#id_notices_posted", "2")
    page.click("#step-form button[type=submit]")
    page.wait_for_selector("#id_open_early")
    page.check("#id_open_early")
    page.check("#id_dissuaded")
    page.select_option("#id_signature", "refused")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#step-form button[type=submit]")
    page.wait_for_selector("#submit-form")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("#visit-summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    visit = Visit.objects.get()
    assert visit.state == "submitted" and visit.forms_handed == 12
    photo = VisitPhoto.objects.get()
    assert max(photo.width, photo.height) == 1280
    assert Image.open(io.BytesIO(bytes(photo.image))).size == (1280, 960)
    assert Firm.objects.get(pk=firm.pk).status == "dissuaded"


def test_firm_contact_applies_from_the_link_on_a_phone(world, live_server, browser_context):
    """The office issues the firm's link; its contact opens it on a phone (no login), ticks the checklist and
    submits twice (a double tap); one application waits for the office."""
    from fangkong.core.testing import decode_qr_in_html
    from fangkong.inspections.models import Application, Firm

    firm = Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a)
    office = browser_context(1280, 900).new_page()
    login_in_browser(office, live_server, "hq", PASSWORD)
    office.goto(f"{live_server.url}/inspections/firms/{firm.pk}/")
    office.click("#link-form button[type=submit]")
    office.wait_for_selector("#apply-link-card")
    link = office.input_value("#apply-link")
    assert decode_qr_in_html(office.content()) == link
    path = link.split("/inspections/", 1)[1]
    phone = browser_context(390, 844).new_page()
    phone.goto(f"{live_server.url}/inspections/{path}")
    assert world.org_a.name in phone.content()
    for name in Application.CHECKLIST:
        phone.check(f"#id_{name}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.dblclick("#public-apply-form button[type=submit]")  # a double tap on a weak connection
    phone.wait_for_selector("#apply-done, #apply-repeat")
    phone.goto(link)  # opened again later: under review, no form
    phone.wait_for_selector("#not-open")
    assert Application.objects.filter(firm=firm).count() == 1
    assert Firm.objects.get(pk=firm.pk).status == "applied"
