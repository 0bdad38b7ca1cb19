"""The status machine: every pair of statuses, allowed or refused, through the service."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from fangkong.inspections import machine, services
from fangkong.inspections.choices import FirmStatus
from fangkong.inspections.models import Firm, StatusChange

EXPECTED = {
    ("not_resumed", "applied"),
    ("not_resumed", "early"),
    ("applied", "approved"),
    ("applied", "not_resumed"),
    ("applied", "early"),
    ("approved", "resumed"),
    ("early", "dissuaded"),
    ("early", "supervised"),
    ("dissuaded", "early"),
    ("dissuaded", "supervised"),
    ("dissuaded", "applied"),
    ("supervised", "not_resumed"),
    ("supervised", "applied"),
}
PAIRS = list(itertools.product(FirmStatus.values, FirmStatus.values))
AFTER = dt.datetime(2020, 2, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_the_table_is_the_one_specified():
    assert set(machine.TRANSITIONS) == EXPECTED


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "to"), PAIRS)
def test_every_pair(world, start, to):
    firm = Firm.objects.create(
        subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a, status=start
    )
    if (start, to) in EXPECTED:
        services.change_status(actor=world.hq, firm=firm, to=to, reason="测试", now=AFTER)
        firm.refresh_from_db()
        assert firm.status == to
        change = StatusChange.objects.get(firm=firm)
        assert (change.from_status, change.to_status) == (start, to)
    else:
        with pytest.raises(ValidationError):
            services.change_status(actor=world.hq, firm=firm, to=to, now=AFTER)
        firm.refresh_from_db()
        assert firm.status == start
        assert not StatusChange.objects.filter(firm=firm).exists()


@pytest.mark.django_db
def test_resumed_only_after_the_earliest_time_unless_exempt(world):
    from fangkong.inspections.models import ExemptCategory

    firm = Firm.objects.create(subdistrict=world.sub, organization=world.org_a, status=FirmStatus.APPROVED)
    before = dt.datetime(2020, 2, 9, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with pytest.raises(ValidationError):
        services.change_status(actor=world.hq, firm=firm, to=FirmStatus.RESUMED, now=before)
    firm.exempt = ExemptCategory.objects.create(
        subdistrict=world.sub, kind="daily_necessities", name="超市", industry_prefixes="F52"
    )
    firm.save()
    services.change_status(actor=world.hq, firm=firm, to=FirmStatus.RESUMED, now=before)
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.RESUMED


@pytest.mark.django_db
def test_page_offers_only_allowed_direct_transitions(world, client):
    firm = Firm.objects.create(
        subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a, status="early"
    )
    client.force_login(world.hq)
    page = client.get(f"/inspections/firms/{firm.pk}/").content.decode()
    assert 'value="dissuaded"' in page and 'value="supervised"' in page
    assert 'value="approved"' not in page and 'value="resumed"' not in page
    # a refused pair posted anyway changes nothing
    client.post(f"/inspections/firms/{firm.pk}/status/", {"to": "approved", "reason": "x"})
    assert Firm.objects.get(pk=firm.pk).status == "early"
