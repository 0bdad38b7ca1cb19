"""Browser checks at 1280 and 390 px: the auditor's isolation page offers no form it cannot submit, HQ reveals
a returnee's phone with 查看明文 (audited), and the personal link comes with a QR code and a copy button."""

import pytest

from conftest import login_in_browser
from fangkong.core import crypto
from fangkong.core.models import AuditEvent
from fangkong.core.testing import PASSWORD
from fangkong.returnees import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_isolation_page_controls_and_phone_reveal(
    world, make_input, live_server, browser_context, width, height
):
    result = services.declare_return(actor=world.staff_a, data=make_input())
    iso, decl = result.isolation, result.declaration
    url = f"{live_server.url}/returnees/isolations/{iso.pk}/"

    auditor = browser_context(width, height).new_page()
    login_in_browser(auditor, live_server, "auditor", PASSWORD)
    auditor.goto(url)
    assert auditor.locator("main form").count() == 0
    for text in ("电话随访录入", "延长隔离期", "签字解除", "查看明文"):
        assert text not in auditor.content()

    hq = browser_context(width, height).new_page()
    login_in_browser(hq, live_server, "hq", PASSWORD)
    hq.goto(url)
    assert hq.locator("#phone-report").is_visible() and hq.locator("#release").is_visible()
    hq.click("text=查看明文")
    phone = crypto.decrypt(decl.phone_enc)
    hq.wait_for_selector(f"text={phone}")
    assert AuditEvent.objects.filter(action="reveal", object_id=str(decl.pk)).count() == 1
    assert hq.evaluate("document.documentElement.scrollWidth") <= width
    # Re-issue the personal link: shown once, with its QR code and a copy button.
    hq.click("#reissue button")
    hq.wait_for_selector("#personal-link-card")
    assert hq.locator("#personal-link-card svg").is_visible()
    assert hq.locator("[data-copy=personal-link]").is_visible()
    assert hq.evaluate("document.documentElement.scrollWidth") <= width
