"""Browser checks at 1280 and 390 px of the pages whose faults were visible: the household page links its
declarations and isolations, the audit log reads as sentences an auditor understands, and the policies page
writes times as people do."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD
from fangkong.registry.tests.test_household_page import _declare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_household_audit_and_policies_read_well(world, live_server, browser_context, width, height):
    result = _declare(world, random.Random(7001), "李四")
    assert result.isolation is not None

    hq = browser_context(width, height).new_page()
    login_in_browser(hq, live_server, "hq", PASSWORD)
    hq.goto(live_server.url + reverse("registry:households_detail", args=[world.household_a.pk]))
    declaration_link = hq.locator(
        f"a[href='{reverse('returnees:declaration_detail', args=[result.declaration.pk])}']"
    )
    isolation_link = hq.locator(
        f"a[href='{reverse('returnees:isolation_detail', args=[result.isolation.pk])}']"
    )
    assert declaration_link.count() >= 1 and isolation_link.count() >= 1
    assert declaration_link.first.is_visible()
    page_text = hq.inner_text("main")
    assert result.declaration.id_number_masked in page_text

    hq.goto(live_server.url + reverse("policies"))
    text = hq.inner_text("main")
    assert "2020-02-09 24:00" in text and "T24:00" not in text

    auditor = browser_context(width, height).new_page()
    login_in_browser(auditor, live_server, "auditor", PASSWORD)
    auditor.goto(live_server.url + reverse("audit_log"))
    log = auditor.inner_text("main")
    assert "返沪申报" in log and "李四" in log
    assert "returnees.declaration #" not in log
