"""Escalation to the special supervision team: the case, its actions and outcome, and the overdue alert
sent once per case per day to its owner and HQ."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fangkong.core.models import Notification
from fangkong.inspections import services
from fangkong.inspections.choices import CaseOutcome, FirmStatus
from fangkong.inspections.jobs import cases_overdue
from fangkong.inspections.models import Firm

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def early(world):
    return Firm.objects.create(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        organization=world.org_a,
        status=FirmStatus.DISSUADED,
    )


def test_escalate_act_and_close(world, early, office):
    from django.utils import timezone

    case = services.escalate_firm(
        actor=office[0], firm=early, owner=office[1], deadline=timezone.localdate(), reason="劝阻后仍开工"
    )
    assert Firm.objects.get(pk=early.pk).status == FirmStatus.SUPERVISED
    with pytest.raises(ValidationError):  # one open case per firm
        services.escalate_firm(
            actor=office[0], firm=early, owner=office[1], deadline=case.deadline, reason="再次"
        )
    services.add_case_action(actor=office[1], case=case, text="约谈法定代表人")
    services.close_case(actor=office[1], case=case, outcome=CaseOutcome.COMPLIED, note="已停工")
    assert Firm.objects.get(pk=early.pk).status == FirmStatus.NOT_RESUMED
    with pytest.raises(ValidationError):
        services.add_case_action(actor=office[1], case=case, text="太晚")


def test_staff_of_another_neighborhood_may_not_escalate(world, early):
    from fangkong.core.exceptions import ScopeError

    with pytest.raises(ScopeError):
        services.escalate_firm(
            actor=world.staff_b, firm=early, owner=world.hq, deadline=dt.date(2099, 1, 1), reason="x"
        )


def test_overdue_alert_once_per_case_per_day(world, early, office):
    case = services.escalate_firm(
        actor=world.hq, firm=early, owner=office[0], deadline=dt.date(2099, 1, 1), reason="劝阻后仍开工"
    )
    type(case).objects.filter(pk=case.pk).update(deadline=dt.date(2020, 2, 12))
    day1 = dt.datetime(2020, 2, 13, 8, 30, tzinfo=SHANGHAI)
    first = cases_overdue(day1)["alerts"]
    assert first == 2  # the owner and the HQ
    cases_overdue(day1 + dt.timedelta(hours=3))
    assert Notification.objects.filter(kind="inspections.case_overdue").count() == 2
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {office[0].pk, world.hq.pk}
    cases_overdue(day1 + dt.timedelta(days=1))
    assert Notification.objects.filter(kind="inspections.case_overdue").count() == 4
    # not yet due, or closed: nothing
    services.close_case(actor=world.hq, case=case, outcome=CaseOutcome.REFERRED)
    cases_overdue(day1 + dt.timedelta(days=2))
    assert Notification.objects.filter(kind="inspections.case_overdue").count() == 4
    assert Firm.objects.get(pk=early.pk).status == FirmStatus.SUPERVISED  # referred: enforcement takes over
