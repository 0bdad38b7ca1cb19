"""Reads of health data are audited: a returnee's record once per read, and a list page once per view
(naming the list and what it showed), however many rows it shows."""

import random

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEvent
from fangkong.core.testing import make_id_number
from fangkong.returnees import services

pytestmark = pytest.mark.django_db


def _reads():
    return list(AuditEvent.objects.filter(action="read").order_by("pk"))


def _add(world, make_input, n, seed=5):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = services.declare_return(
            actor=world.staff_a,
            data=make_input(id_number=make_id_number(rng), name=f"隔离{i}", transport_number=f"G{seed}{i}"),
        )
        out.append(r)
    return out


@pytest.mark.parametrize(
    "url_name, object_type, label",
    [
        ("returnees:isolation_list", "returnees.isolation", "隔离名单"),
        ("returnees:declaration_list", "returnees.declaration", "返沪申报列表"),
        ("returnees:board", "returnees.isolation", "随访看板"),
    ],
)
def test_one_read_event_per_list_view(world, make_input, as_persona, url_name, object_type, label):
    results = _add(world, make_input, 2)
    for r in results:
        services.submit_report(actor=None, isolation=r.isolation, temperature="38.1")
    client = as_persona("staff_a")
    before = len(_reads())
    assert client.get(reverse(url_name)).status_code == 200
    reads = _reads()[before:]
    assert len(reads) == 1
    event = reads[0]
    assert event.actor_id == world.staff_a.pk and event.object_type == object_type
    assert label in event.object_repr and event.subdistrict_id == world.sub.pk
    expected = (
        {r.isolation.pk for r in results}
        if object_type.endswith("isolation")
        else {r.declaration.pk for r in results}
    )
    assert set(event.changes["ids"]) == expected and event.changes["count"] == 2
    # More rows: still one event per view.
    for r in _add(world, make_input, 5, seed=6):
        services.submit_report(actor=None, isolation=r.isolation, temperature="38.1")
    before = len(_reads())
    client.get(reverse(url_name))
    reads = _reads()[before:]
    assert len(reads) == 1 and reads[0].changes["count"] >= 5


def test_list_read_names_the_filters_and_page(world, isolated, as_persona):
    client = as_persona("hq")
    client.get(reverse("returnees:isolation_list"), {"building": world.building_a.pk, "status": "active"})
    event = _reads()[-1]
    assert event.changes["filters"]["building"] == str(world.building_a.pk)
    assert event.changes["filters"]["status"] == "active" and event.changes["filters"]["page"] == 1
    assert event.changes["ids"] == [isolated.isolation.pk]


def test_other_neighborhood_list_audits_what_it_showed(isolated, as_persona):
    as_persona("staff_b").get(reverse("returnees:isolation_list"))
    event = _reads()[-1]
    assert event.changes["ids"] == [] and event.changes["count"] == 0


def test_refused_pages_write_no_read_event(isolated, as_persona):
    before = len(_reads())
    assert as_persona("org_contact").get(reverse("returnees:isolation_list")).status_code == 404
    assert as_persona("anonymous").get(reverse("returnees:board")).status_code == 302
    assert len(_reads()) == before


def test_venue_log_view_is_audited_once(world, as_persona, client):
    venue = services.ensure_venue(actor=world.hq, organization=world.org_a)
    for i in range(3):
        services.register_visit(
            actor=None,
            venue=venue,
            name=f"访客{i}",
            phone="13812345678",
            temperature="36.5",
            key_area_14d=False,
            submission_id=f"s{i}",
        )
    before = len(_reads())
    as_persona("org_contact").get(reverse("returnees:venue_detail", args=[venue.pk]))
    reads = _reads()[before:]
    assert len(reads) == 1 and reads[0].object_type == "returnees.venuevisit"
    assert reads[0].changes["count"] == 3 and venue.name in reads[0].object_repr


def test_record_reads_stay_one_per_record(isolated, as_persona):
    before = len(_reads())
    as_persona("staff_a").get(reverse("returnees:declaration_detail", args=[isolated.declaration.pk]))
    reads = _reads()[before:]
    assert len(reads) == 1 and reads[0].object_type == "returnees.declaration"
    assert reads[0].object_id == str(isolated.declaration.pk)


@pytest.mark.parametrize("path", ["/declarations", "/isolations", "/board"])
def test_api_lists_are_audited_once(isolated, as_persona, path):
    before = len(_reads())
    assert as_persona("staff_a").get("/api/v1/returnees" + path).status_code == 200
    reads = _reads()[before:]
    assert len(reads) == 1 and "接口" in reads[0].object_repr
    assert reads[0].changes["count"] >= (0 if path == "/board" else 1)


def test_api_venue_visits_list_audits_its_read(world, as_persona):
    """The venue's health log read through the API is audited as on the venue page."""
    venue = services.ensure_venue(actor=world.hq, organization=world.org_a)
    visit = services.register_visit(
        actor=None,
        venue=venue,
        name="访客",
        phone="13800138000",
        temperature="36.5",
        key_area_14d=False,
        submission_id="v1",
    ).visit
    before = len(_reads())
    response = as_persona("staff_a").get(f"/api/v1/returnees/venues/{venue.pk}/visits")
    assert response.status_code == 200 and response.json()["count"] == 1
    reads = _reads()[before:]
    assert len(reads) == 1
    assert reads[0].object_type == "returnees.venuevisit" and reads[0].changes["ids"] == [visit.pk]
    assert venue.name in reads[0].object_repr
    # Out of scope: 404 and no read recorded.
    assert as_persona("staff_b").get(f"/api/v1/returnees/venues/{venue.pk}/visits").status_code == 404
    assert len(_reads()) == before + 1


def test_web_and_api_share_one_gate(world, as_persona, client):
    """A staff account with no sub-district gets 404 from the pages and from the API alike."""
    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user

    client.force_login(make_user("lost", Role.STAFF))
    assert client.get(reverse("returnees:declaration_list")).status_code == 404
    assert client.get("/api/v1/returnees/declarations").status_code == 404
    assert client.get("/api/v1/returnees/isolations").status_code == 404
