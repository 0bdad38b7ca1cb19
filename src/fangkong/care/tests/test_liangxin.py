"""两新 organisations: marking, their party members, what they did, and the rallied figure as a query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.care import liangxin as service
from fangkong.care.models import LiangxinDeed, LiangxinOrganization
from fangkong.registry.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def firms(world):
    return [
        Organization.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name=f"科技公司{i}")
        for i in range(3)
    ]


def test_rallied_members_are_a_query(world, firms):
    a = service.mark_organization(
        actor=world.staff_a, organization=firms[0], kind="economic", party_members=30
    )
    b = service.mark_organization(actor=world.staff_a, organization=firms[1], kind="social", party_members=25)
    service.mark_organization(actor=world.staff_a, organization=firms[2], kind="economic", party_members=4)
    service.record_deed(actor=world.staff_a, org=a, kind="letters", members=20, quantity=600)
    service.record_deed(actor=world.staff_a, org=a, kind="guides", members=28, quantity=900)
    service.record_deed(actor=world.staff_a, org=b, kind="screening", members=25, quantity=120)
    figures = service.figures(LiangxinOrganization.objects.all(), LiangxinDeed.objects.all())
    assert figures["organizations"] == 3 and figures["party_members"] == 59
    assert figures["rallied"] == 28 + 25  # the most of each organisation's deeds; the third did nothing
    by_kind = {k["kind"]: k for k in figures["kinds"]}
    assert by_kind["letters"]["quantity"] == 600 and by_kind["guides"]["members"] == 28
    assert by_kind["volunteering"]["deeds"] == 0
    # marking again updates, never a second row
    again = service.mark_organization(
        actor=world.staff_a, organization=firms[0], kind="economic", party_members=32
    )
    assert again.pk == a.pk and LiangxinOrganization.objects.count() == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(st.integers(0, 40), min_size=1, max_size=3),
    deeds=st.lists(st.tuples(st.integers(0, 2), st.integers(-2, 45)), max_size=8),
)
def test_rallied_is_never_more_than_the_members(world, firms, members, deeds):
    from fangkong.core.tests.matrix import rolled_back

    with rolled_back():
        orgs = [
            service.mark_organization(actor=world.staff_a, organization=f, kind="economic", party_members=n)
            for f, n in zip(firms, members, strict=False)
        ]
        best: dict[int, int] = {}
        for index, n in deeds:
            if index >= len(orgs):
                continue
            org = orgs[index]
            try:
                service.record_deed(actor=world.staff_a, org=org, kind="volunteering", members=n)
            except ValidationError:
                assert not 1 <= n <= max(org.party_members, 1)
                continue
            best[org.pk] = max(best.get(org.pk, 0), min(n, org.party_members))
        figures = service.figures(LiangxinOrganization.objects.all(), LiangxinDeed.objects.all())
        assert figures["rallied"] == sum(best.values())
        assert figures["rallied"] <= figures["party_members"]


def test_scope_and_invariants(world, firms):
    org = service.mark_organization(
        actor=world.staff_a, organization=firms[0], kind="economic", party_members=5
    )
    with pytest.raises(PermissionDenied):
        service.record_deed(actor=world.staff_b, org=org, kind="letters", members=1)
    with pytest.raises(PermissionDenied):
        service.mark_organization(
            actor=world.staff_b, organization=firms[1], kind="economic", party_members=5
        )
    with pytest.raises(ValidationError):
        service.mark_organization(actor=world.staff_a, organization=firms[1], kind="x", party_members=5)
    deed = service.record_deed(
        actor=world.staff_a, org=org, kind="letters", members=2, day=dt.date(2020, 2, 5)
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        LiangxinDeed.objects.filter(pk=deed.pk).update(members=0)


def test_pages_offer_what_the_services_accept(world, firms, as_persona, django_assert_max_num_queries):
    client = as_persona("staff_a")
    response = client.post(
        reverse("care:liangxin"),
        {"organization": firms[0].pk, "kind": "economic", "party_members": "12"},
    )
    assert response.status_code == 302
    org = LiangxinOrganization.objects.get(organization=firms[0])
    url = reverse("care:liangxin_detail", args=[org.pk])
    assert (
        client.post(
            url, {"kind": "letters", "day": "2020-02-06", "members": "9", "quantity": "300"}
        ).status_code
        == 302
    )
    refused = client.post(url, {"kind": "letters", "day": "2020-02-06", "members": "13"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    page = client.get(reverse("care:liangxin")).content.decode()
    assert "科技公司0" in page and "300" in page
    assert as_persona("staff_b").get(url).status_code == 404
    assert "记录党员行动" not in as_persona("viewer").get(url).content.decode()
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("care:liangxin"))
    for f in firms[1:]:
        o = service.mark_organization(actor=world.staff_a, organization=f, kind="social", party_members=3)
        service.record_deed(actor=world.staff_a, org=o, kind="guides", members=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("care:liangxin"))
    api = client.get("/api/v1/care/liangxin").json()
    assert api["rallied"] == 9 + 2 + 2 and api["party_members"] == 18
