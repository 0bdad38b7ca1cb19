"""The pairing app's periodic jobs: check-in rounds generated ahead, overdue check-ins alerted."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.core.models import Notification
from fangkong.pairing import jobs as pairing_jobs
from fangkong.pairing import services
from fangkong.pairing.models import CheckInRound


def test_generate_job_makes_today_and_tomorrow_once(pw):
    w = pw.w
    lift = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒", frequency=2)
    services.apply_template(actor=w.hq, template=lift)
    now = timezone.now()
    out = pairing_jobs.generate_tomorrow(now)
    today = timezone.localdate(now)
    days = set(CheckInRound.objects.values_list("date", flat=True))
    assert days == {today, today + dt.timedelta(days=1)}
    assert out["created"] == CheckInRound.objects.count() > 0
    assert pairing_jobs.generate_tomorrow(now) == {"created": 0}


def test_overdue_job_alerts_the_person_in_charge(pw):
    w = pw.w
    lift = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒", frequency=1)
    services.apply_template(actor=w.hq, template=lift)
    services.assign_building(actor=w.hq, building=w.building_a, cadre=pw.cadre_a)
    day = timezone.localdate()
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=day - dt.timedelta(days=1), days=1)
    out = pairing_jobs.overdue(timezone.now())
    assert out["overdue"] >= 1
    note = Notification.objects.get(recipient=w.cadre, kind="pairing.round_overdue")
    assert note.link == "/pairing/rounds/" and note.dedupe_key
    assert pairing_jobs.overdue(timezone.now()) == {"overdue": 0}


def _overdue_queries(pw, n_buildings: int, tag: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user
    from fangkong.registry.models import Building, SupportCadre

    w = pw.w
    for i in range(n_buildings):
        building = Building.objects.create(
            subdistrict=w.sub, neighborhood=w.hood_a, compound=w.compound_a, name=f"{tag}{i}号"
        )
        user = make_user(f"owner_{tag}{i}", Role.CADRE, subdistrict=w.sub, neighborhoods=[w.hood_a])
        cadre = SupportCadre.objects.create(
            subdistrict=w.sub, name=f"干部{tag}{i}", department=w.dept, user=user
        )
        services.assign_building(actor=w.hq, building=building, cadre=cadre)
    template = services.create_task_template(actor=w.hq, subdistrict=w.sub, name=f"消毒{tag}", frequency=1)
    services.apply_template(actor=w.hq, template=template)
    day = timezone.localdate() - dt.timedelta(days=1)
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=day, days=1)
    with CaptureQueriesContext(connection) as ctx:
        found = services.detect_overdue(now=timezone.now())
    assert len(found) >= n_buildings
    return len(ctx.captured_queries)


def test_overdue_detection_queries_do_not_grow_with_buildings(pw):
    """2 and 70 buildings, each with its own person in charge: the same number of queries (70 alerts are more
    than one of SQLite's 999-parameter INSERT batches, so a batched insert would show)."""
    from fangkong.core.models import Notification

    small = _overdue_queries(pw, 2, "s")
    CheckInRound.objects.all().delete()
    large = _overdue_queries(pw, 70, "l")
    assert large == small
    owners = Notification.objects.filter(
        kind="pairing.round_overdue", recipient__username__startswith="owner_l"
    )
    assert owners.count() == 70 and set(owners.values_list("delivery_status", flat=True)) == {"pending"}
