"""The returnees app's periodic jobs: missed reports, referrals left pending, isolations to sign off."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.utils import timezone

from fangkong.core import notify
from fangkong.core.models import Notification
from fangkong.returnees import jobs as returnees_jobs
from fangkong.returnees.models import FollowUpTask, Referral
from fangkong.returnees.tests.conftest import at


def test_missed_reports_job_makes_tasks_once(world, isolated):
    iso = isolated.isolation
    tomorrow = iso.start_date + dt.timedelta(days=1)
    out = returnees_jobs.missed_reports(at(tomorrow, 12, 5))
    assert out["tasks"] >= 1
    assert FollowUpTask.objects.filter(isolation=iso).count() == out["tasks"]
    assert returnees_jobs.missed_reports(at(tomorrow, 12, 5)) == {"tasks": 0}


def test_pending_referral_goes_to_hq_once(world, isolated):
    from fangkong.returnees import services

    services.submit_report(actor=None, isolation=isolated.isolation, temperature="38.6")
    referral = Referral.objects.get()
    with override_settings(FANGKONG_REFERRAL_PENDING_HOURS=4):
        assert returnees_jobs.referrals_pending(timezone.now()) == {"alerts": 0}
        later = timezone.now() + dt.timedelta(hours=5)
        assert returnees_jobs.referrals_pending(later) == {"alerts": 1}
        assert returnees_jobs.referrals_pending(later) == {"alerts": 1}  # the same stored alert
    note = Notification.objects.get(kind="returnees.referral_pending")
    assert note.recipient == world.hq and note.level == notify.LEVEL_HQ and note.urgent
    assert note.dedupe_key == f"returnees.referral_pending:{referral.pk}"


def test_isolation_ending_alerts_the_committee(world, isolated):
    iso = isolated.isolation
    assert returnees_jobs.isolations_ending(at(iso.end_date - dt.timedelta(days=1), 8)) == {"alerts": 0}
    assert returnees_jobs.isolations_ending(at(iso.end_date, 8)) == {"alerts": 1}
    note = Notification.objects.get(kind="returnees.isolation_ending")
    assert note.recipient == world.staff_a and note.link == f"/returnees/isolations/{iso.pk}/"
    from fangkong.returnees import services

    services.release_isolation(
        actor=world.staff_a,
        isolation=iso,
        signoff_role="committee",
        now=at(iso.end_date, 9) + dt.timedelta(days=1),
    )
    Notification.objects.all().delete()
    assert returnees_jobs.isolations_ending(at(iso.end_date, 8)) == {"alerts": 0}


def test_a_fever_is_one_alert_per_recipient(world, isolated):
    from fangkong.returnees import services

    services.submit_report(actor=None, isolation=isolated.isolation, temperature="38.9")
    fevers = Notification.objects.filter(kind="fever")
    recipients = list(fevers.values_list("recipient_id", flat=True))
    assert len(recipients) == len(set(recipients)) and None not in recipients
    assert set(recipients) == {world.staff_a.pk, world.hq.pk}


def test_missed_report_queries_do_not_grow_with_isolations(world, make_input):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.returnees import services
    from fangkong.returnees.models import FollowUpTask

    def declare(n: int, start: int) -> None:
        for i in range(n):
            hood = "a" if i % 2 else "b"
            services.declare_return(
                actor=getattr(world, f"staff_{hood}"),
                data=make_input(building_id=getattr(world, f"building_{hood}").pk, room=str(start + i)),
            )

    def queries() -> int:
        moment = timezone.now() + dt.timedelta(days=2)
        with CaptureQueriesContext(connection) as ctx:
            made = services.generate_missed_report_tasks(now=moment)
        assert made > 0
        return len(ctx.captured_queries)

    declare(2, 600)
    small = queries()
    FollowUpTask.objects.all().delete()
    declare(6, 700)
    large = queries()
    assert large == small


def _bulk_isolated(world, n: int, start: int) -> None:
    """n people in home isolation, half in building A and half in building B (written in bulk)."""
    from fangkong.returnees.models import Declaration, Isolation

    today = timezone.localdate()
    places = [(world.hood_a, world.building_a), (world.hood_b, world.building_b)]
    decls = Declaration.objects.bulk_create(
        [
            Declaration(
                subdistrict=world.sub,
                neighborhood=places[i % 2][0],
                building=places[i % 2][1],
                room=str(start + i),
                name=f"隔离{start + i}",
                origin_code="420100",
                origin_name="湖北省武汉市",
                transport="rail",
                transport_number=f"G{start + i}",
                departure_date=today - dt.timedelta(days=4),
                arrival_date=today - dt.timedelta(days=3),
                risk_level="red",
                risk_action="home_isolation",
            )
            for i in range(n)
        ]
    )
    Isolation.objects.bulk_create(
        [
            Isolation(
                subdistrict=world.sub,
                neighborhood=d.neighborhood,
                building=d.building,
                declaration=d,
                start_date=today - dt.timedelta(days=3),
                planned_end_date=today + dt.timedelta(days=11),
                end_date=today + dt.timedelta(days=11),
                report_token_hash=f"bulk-{d.pk}",
            )
            for d in decls
        ]
    )


def test_missed_report_sweep_is_a_constant_number_of_statements_at_scale(world):
    """4 and 2,600 people in isolation: the same number of queries (no per-row or per-batch loop), every
    missing report becomes one task for its building's person in charge, and each person gets one alert
    that counts them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.returnees import services

    moment = at(timezone.localdate(), 12, 30)  # yesterday's two slots and today's morning slot are closed

    def sweep(n: int, start: int) -> tuple[int, int]:
        FollowUpTask.objects.all().delete()
        Notification.objects.all().delete()
        _bulk_isolated(world, n, start)
        with CaptureQueriesContext(connection) as ctx:
            made = services.generate_missed_report_tasks(now=moment)
        return made, len(ctx.captured_queries)

    small_made, small = sweep(4, 0)
    large_made, large = sweep(2596, 1000)
    assert small_made == 4 * 3 and large_made == 2600 * 3
    assert large == small
    assert FollowUpTask.objects.count() == 2600 * 3
    assignees = dict(
        FollowUpTask.objects.values_list("building_id", "assignee_id").distinct().order_by("building_id")
    )
    assert assignees == {world.building_a.pk: world.staff_a.pk, world.building_b.pk: world.staff_b.pk}
    notes = {n.recipient_id: n.subject for n in Notification.objects.filter(kind="missed_report")}
    assert set(notes) == {world.staff_a.pk, world.staff_b.pk}
    assert all("3900" in subject for subject in notes.values())
    # a second sweep finds nothing left to do, in as few queries
    with CaptureQueriesContext(connection) as again:
        assert services.generate_missed_report_tasks(now=moment) == 0
    assert len(again.captured_queries) <= small


def test_suspension_ends_by_itself(world):
    from fangkong.returnees import services
    from fangkong.returnees.services import ensure_venue

    home = ensure_venue(actor=world.hq, organization=world.org_a)  # 上海银康老年公寓: an elderly home
    start = timezone.localdate() - dt.timedelta(days=10)
    end = timezone.localdate() - dt.timedelta(days=1)
    services.suspend_visits(actor=world.hq, venue=home, from_date=start, until=end, note="春节")
    home.refresh_from_db()
    assert home.visits_suspended_on(end) and not home.visits_suspended_on(timezone.localdate())
    assert returnees_jobs.lift_suspensions(at(end, 0, 10)) == {"lifted": 0}  # not over yet on its last day
    assert returnees_jobs.lift_suspensions(timezone.now()) == {"lifted": 1}
    home.refresh_from_db()
    assert home.visits_suspended_from is None and home.visits_suspended_until is None
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.suspend_visits(actor=world.hq, venue=home, from_date=end, until=start)
