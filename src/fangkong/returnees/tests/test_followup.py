import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from fangkong.core.models import Notification
from fangkong.returnees import services
from fangkong.returnees.choices import ReportSource, TaskStatus
from fangkong.returnees.models import FollowUpTask, HealthReport, Referral
from fangkong.returnees.tests.conftest import at

pytestmark = pytest.mark.django_db


def _day(isolated, offset=1):
    return isolated.isolation.start_date + dt.timedelta(days=offset)


def test_report_twice_a_day_and_resubmit_is_idempotent(isolated):
    iso = isolated.isolation
    day = _day(isolated)
    first = services.submit_report(actor=None, isolation=iso, temperature="36.5", now=at(day, 8))
    again = services.submit_report(actor=None, isolation=iso, temperature="36.9", now=at(day, 11, 59))
    assert first.created and not again.created and again.report.pk == first.report.pk
    assert HealthReport.objects.get(pk=first.report.pk).temperature == pytest.approx(36.5)
    pm = services.submit_report(actor=None, isolation=iso, temperature="36.6", now=at(day, 12, 0))
    assert pm.created and pm.report.slot == "pm"
    assert HealthReport.objects.filter(isolation=iso, day=day).count() == 2


def test_temperature_out_of_range_changes_nothing(isolated):
    with pytest.raises(ValidationError, match="34.0"):
        services.submit_report(
            actor=None, isolation=isolated.isolation, temperature="42.5", now=at(_day(isolated), 9)
        )
    assert not HealthReport.objects.exists()


def test_fever_alerts_at_once_and_records_a_referral(isolated, world):
    day = _day(isolated)
    result = services.submit_report(
        actor=None, isolation=isolated.isolation, temperature="37.3", now=at(day, 9)
    )
    assert result.report.fever
    referral = Referral.objects.get(report=result.report)
    assert referral.outcome == "pending" and "37.3" in referral.reason
    alerts = Notification.objects.filter(kind="fever")
    assert alerts.filter(recipient=world.staff_a).exists() and alerts.filter(recipient=world.hq).exists()
    assert not alerts.filter(recipient=world.staff_b).exists()
    services.record_referral_outcome(
        actor=world.staff_a, referral=referral, outcome="clinic", note="120 送医"
    )
    referral.refresh_from_db()
    assert referral.outcome == "clinic" and referral.closed_at is not None


def test_below_the_fever_line_is_not_a_fever(isolated):
    result = services.submit_report(
        actor=None, isolation=isolated.isolation, temperature="37.2", now=at(_day(isolated), 9)
    )
    assert not result.report.fever and not Referral.objects.exists()


def test_fever_line_is_a_policy(isolated, world):
    from fangkong.core.models import Policy

    Policy.objects.create(
        subdistrict=world.sub, key="fever_line", value=37.0, effective_from=dt.date(2000, 1, 1)
    )
    result = services.submit_report(
        actor=None, isolation=isolated.isolation, temperature="37.1", now=at(_day(isolated), 9)
    )
    assert result.report.fever


def test_staff_phone_report_needs_scope(isolated, world):
    from fangkong.core.exceptions import ScopeError

    day = _day(isolated)
    with pytest.raises(ScopeError):
        services.submit_report(
            actor=world.staff_b,
            isolation=isolated.isolation,
            temperature="36.4",
            source=ReportSource.PHONE,
            now=at(day, 9),
        )
    report = services.submit_report(
        actor=world.staff_a,
        isolation=isolated.isolation,
        temperature="36.4",
        source=ReportSource.PHONE,
        now=at(day, 9),
    ).report
    assert report.source == "phone" and report.reported_by == world.staff_a


def test_missed_tasks_at_the_shanghai_day_boundary(isolated, world):
    iso = isolated.isolation
    day = _day(isolated, 2)
    services.submit_report(
        actor=None, isolation=iso, temperature="36.5", now=at(day - dt.timedelta(days=1), 9)
    )
    services.submit_report(
        actor=None, isolation=iso, temperature="36.5", now=at(day - dt.timedelta(days=1), 15)
    )
    services.submit_report(actor=None, isolation=iso, temperature="36.5", now=at(day, 9))
    # 23:59 local: the afternoon slot is still open; nothing is missed.
    assert services.generate_missed_report_tasks(now=at(day, 23, 59)) == 0
    # 00:00 local the next day (16:00 UTC the same calendar day): the afternoon of `day` is missed.
    midnight = at(day + dt.timedelta(days=1), 0, 0)
    assert midnight.astimezone(dt.UTC).date() == day
    assert services.generate_missed_report_tasks(now=midnight) == 1
    task = FollowUpTask.objects.get()
    assert (task.day, task.slot, task.status) == (day, "pm", TaskStatus.OPEN)
    assert task.assignee == world.staff_a  # no pairing yet: the neighborhood's committee staff
    assert Notification.objects.filter(kind="missed_report", recipient=world.staff_a).exists()
    # Running again creates nothing new.
    assert services.generate_missed_report_tasks(now=midnight + dt.timedelta(minutes=5)) == 0
    # Before noon the morning slot of the new day is not yet missed; at noon it is.
    assert services.generate_missed_report_tasks(now=at(day + dt.timedelta(days=1), 11, 59)) == 0
    call_command("returnee_missed_reports", "--now", at(day + dt.timedelta(days=1), 12, 0).isoformat())
    assert FollowUpTask.objects.count() == 2


def test_late_phone_report_closes_the_task(isolated, world):
    iso = isolated.isolation
    day = _day(isolated)
    services.generate_missed_report_tasks(now=at(day, 12, 30))
    task = FollowUpTask.objects.get(day=day, slot="am")
    services.submit_report(
        actor=world.staff_a,
        isolation=iso,
        temperature="36.6",
        source=ReportSource.PHONE,
        day=day,
        slot="am",
        now=at(day, 13),
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_responsible_user_from_pairing_when_available(isolated, world, monkeypatch):
    import sys
    import types

    fake = types.ModuleType("fangkong.pairing.services")
    fake.responsible_user_for_building = lambda building: world.cadre
    monkeypatch.setitem(sys.modules, "fangkong.pairing.services", fake)
    services.generate_missed_report_tasks(now=at(_day(isolated), 12, 30))
    assert FollowUpTask.objects.get(day=_day(isolated), slot="am").assignee == world.cadre


def test_forged_or_expired_links_find_nothing(isolated):
    iso = isolated.isolation
    assert services.isolation_for_token(isolated.token, now=at(iso.end_date, 20)) == iso
    assert (
        services.isolation_for_token(isolated.token, now=at(iso.end_date + dt.timedelta(days=1), 9)) is None
    )
    assert services.isolation_for_token("x" * 43) is None
    assert services.isolation_for_token("") is None
