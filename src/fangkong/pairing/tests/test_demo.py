import random

import pytest
from django.utils import timezone

from fangkong.pairing import demo, reports, services
from fangkong.pairing.models import BuildingAssignment, CheckInRound, Pairing, Roster, Team
from fangkong.project import demo as project_demo
from fangkong.registry.models import SupportCadre

pytestmark = pytest.mark.django_db


def test_demo_seed_covers_every_point(settings):
    settings.FANGKONG_NOTIFY_BACKENDS = []
    result = project_demo.build_demo(scale="tiny", run_apps=False)
    sub = result.subdistricts[0]
    # how long the seed takes is measured by bench_demo, not asserted here (it depends on the machine's load)
    demo.seed(sub, rng=random.Random(1), scale="tiny")
    cadres = SupportCadre.objects.filter(subdistrict=sub, active=True).count()
    assert Pairing.objects.filter(subdistrict=sub, active=True).values("cadre").distinct().count() == cadres
    from fangkong.core.models import User

    hq = User.objects.filter(subdistrict=sub, role="hq").first()
    rows = reports.coverage_board(hq)
    assert len(rows) == 34 + 22
    assert all(r.covered >= 1 for r in rows), [r.point.name for r in rows if not r.covered]
    assert Team.objects.filter(subdistrict=sub).exists()
    assert BuildingAssignment.objects.filter(subdistrict=sub).exists()
    today = timezone.localdate()
    assert CheckInRound.objects.filter(subdistrict=sub, date=today).exists()
    assert CheckInRound.objects.filter(subdistrict=sub, status="done").exists()
    roster = Roster.objects.get(subdistrict=sub)
    assert roster.solver_status in ("optimal", "feasible"), roster.explanation
    assert roster.assignments.exists()
    # the roster covers every neighborhood, each person at their own points
    hoods = set(roster.assignments.values_list("template__point__neighborhood_id", flat=True))
    assert len(hoods) == 34
    assert services.roster_warnings(roster) == []


def test_a_fresh_demo_alerts_an_overdue_check_in_and_a_missed_report_by_itself(settings, tmp_path):
    """The demo across apps, then the worker's scheduler as it runs after start (no button pressed): a few
    minutes after the demo is built, the committee of the first neighborhood has an overdue check-in alert,
    and yesterday's missed report is an alert (to the building's person in charge, else its committee, else
    HQ)."""
    import datetime as dt

    from fangkong.core import jobs
    from fangkong.core.models import Notification

    settings.FANGKONG_NOTIFY_BACKENDS = []
    settings.VAR_DIR = tmp_path
    result = project_demo.build_demo(scale="tiny")
    assert not Notification.objects.filter(kind__in=["pairing.round_overdue", "missed_report"]).exists()
    later = timezone.now() + dt.timedelta(minutes=demo.DUE_SOON_MINUTES + 5)
    jobs.tick(now=later)
    overdue = Notification.objects.filter(kind="pairing.round_overdue")
    assert overdue.filter(recipient__username="anfen").exists(), list(
        overdue.values_list("recipient__username")
    )
    missed = Notification.objects.filter(kind="missed_report")
    assert missed.exists() and None not in set(missed.values_list("recipient", flat=True))
    assert result.subdistricts
