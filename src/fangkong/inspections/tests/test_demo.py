"""The demo reproduces the seed article's figures for the inspections at the tiny scale."""

import pytest
from django.db.models import Sum

pytestmark = pytest.mark.django_db


def test_demo_reproduces_the_article():
    from fangkong.inspections import selectors
    from fangkong.inspections.models import DuplicatePair, Firm, SupervisionCase, Visit
    from fangkong.project.demo import build_demo
    from fangkong.registry.models import SubDistrict

    build_demo(scale="tiny", seed=1)
    sub = SubDistrict.objects.get(name="江湾镇街道")
    visits = Visit.objects.filter(subdistrict=sub, state="submitted")
    assert visits.exclude(premises=None).values("premises").distinct().count() == 22
    assert visits.filter(dissuaded=True).count() == 31
    assert visits.aggregate(n=Sum("forms_handed"))["n"] == 452
    assert visits.aggregate(n=Sum("notices_posted"))["n"] == 146
    assert 2 <= SupervisionCase.objects.filter(subdistrict=sub).count() <= 3
    assert DuplicatePair.objects.filter(subdistrict=sub).exists()
    assert Firm.objects.filter(subdistrict=sub, source="on_site").exists()
    zones = set(
        Firm.objects.filter(subdistrict=sub).values_list("organization__patrol_zone__name", flat=True)
    )
    assert {"万安路以北", "万安路以南"} <= zones
    from django.contrib.auth import get_user_model

    office = get_user_model().objects.get(username="fazhanban")
    assert "inspections" in office.domains
    data = selectors.call_list(office)
    assert data.total > 0
    from fangkong.inspections.models import PatrolFinding, PatrolTeam
    from fangkong.pairing.models import RosterAssignment

    teams = PatrolTeam.objects.filter(subdistrict=sub).order_by("zone__name")
    assert [t.zone.name for t in teams] == ["万安路以北", "万安路以南"]
    for team in teams:
        assert {m.department for m in team.members.all()} >= {"market", "city"}
        assert RosterAssignment.objects.filter(roster=team.roster).exists()
        assert team.rounds.count() == 3
    contact = get_user_model().objects.get(username="yinkang")
    assert Firm.objects.filter(organization_id=contact.organization_id).exists()
    assert PatrolFinding.objects.filter(subdistrict=sub, kind="new_firm", firm__source="on_site").exists()
