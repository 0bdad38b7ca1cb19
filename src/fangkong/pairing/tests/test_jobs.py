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
