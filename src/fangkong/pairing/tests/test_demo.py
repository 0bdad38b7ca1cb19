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
