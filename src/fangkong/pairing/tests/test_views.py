"""Persona tests for every page: allowed, 404 outside scope or role, anonymous redirected to login."""

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.pairing import services
from fangkong.pairing.models import BuildingAssignment, Pairing, PairingTask, Team

pytestmark = pytest.mark.django_db

T = dt.time


@pytest.fixture
def full(pw):
    w = pw.w
    pw.team_a = services.create_team(actor=w.hq, subdistrict=w.sub, name="安汾队", point=pw.point_a)
    pw.team_b = services.create_team(actor=w.hq, subdistrict=w.sub, name="新南队", point=pw.point_b)
    pw.task = services.create_task(
        actor=w.hq, pairing=pw.pairing_a, title="每日巡查", owner_name="张老师", recurrence="daily"
    )
    gate = services.create_shift_template(
        actor=w.hq, point=pw.point_a, name="门岗", start_time=T(7), end_time=T(19)
    )
    gate_b = services.create_shift_template(
        actor=w.hq, point=pw.point_b, name="门岗", start_time=T(7), end_time=T(19)
    )
    today = dt.date.today()
    pw.roster_a = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="A",
        start_date=today,
        end_date=today,
        templates=[gate],
        people=[],
        neighborhood=w.hood_a,
    )
    pw.roster_b = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="B",
        start_date=today,
        end_date=today,
        templates=[gate_b],
        people=[],
        neighborhood=w.hood_b,
    )
    return pw


# name, args (attribute names on the fixture), expected status per persona
PAGES = [
    ("pairing:board", [], {"hq": 200, "staff_a": 200, "staff_b": 200, "cadre": 200, "org_contact": 404}),
    (
        "pairing:point",
        ["point_a"],
        {"hq": 200, "staff_a": 200, "staff_b": 404, "cadre": 200, "org_contact": 404},
    ),
    (
        "pairing:point",
        ["point_b"],
        {"hq": 200, "staff_a": 404, "staff_b": 200, "cadre": 404, "org_contact": 404},
    ),
    (
        "pairing:pairing_edit",
        ["pairing_a"],
        {"hq": 200, "staff_a": 200, "staff_b": 404, "cadre": 404, "org_contact": 404},
    ),
    ("pairing:tasks", [], {"hq": 200, "staff_a": 200, "staff_b": 200, "cadre": 200, "org_contact": 404}),
    ("pairing:teams", [], {"hq": 200, "staff_a": 200, "cadre": 200, "org_contact": 404}),
    (
        "pairing:team",
        ["team_a"],
        {"hq": 200, "staff_a": 200, "staff_b": 404, "cadre": 200, "org_contact": 404},
    ),
    ("pairing:team", ["team_b"], {"hq": 200, "staff_a": 404, "staff_b": 200, "cadre": 404}),
    ("pairing:branch", [], {"hq": 200, "staff_a": 200, "cadre": 200, "org_contact": 404}),
    ("pairing:optimiser", [], {"hq": 200, "staff_a": 404, "cadre": 404, "org_contact": 404}),
    ("pairing:buildings", [], {"hq": 200, "staff_a": 200, "cadre": 200, "org_contact": 404}),
    (
        "pairing:checkin",
        ["w.building_a"],
        {"hq": 200, "staff_a": 200, "staff_b": 404, "cadre": 200, "org_contact": 404},
    ),
    ("pairing:poster", ["w.building_b"], {"hq": 200, "staff_a": 404, "staff_b": 200, "cadre": 404}),
    ("pairing:building_qr", ["w.building_a"], {"hq": 200, "staff_b": 404, "cadre": 200}),
    ("pairing:checkin", ["w.building_c"], {"hq": 404, "staff_a": 404}),
    ("pairing:rounds", [], {"hq": 200, "staff_a": 200, "cadre": 200, "org_contact": 404}),
    ("pairing:rosters", [], {"hq": 200, "staff_a": 200, "cadre": 200, "org_contact": 404}),
    ("pairing:roster_setup", [], {"hq": 200, "staff_a": 200, "cadre": 404, "org_contact": 404}),
    (
        "pairing:roster",
        ["roster_a"],
        {"hq": 200, "staff_a": 200, "staff_b": 404, "cadre": 200, "org_contact": 404},
    ),
    ("pairing:roster", ["roster_b"], {"hq": 200, "staff_a": 404, "staff_b": 200, "cadre": 404}),
]


def _arg(fx, path):
    obj = fx
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj.pk


@pytest.mark.parametrize(("name", "args", "expected"), PAGES, ids=[f"{p[0]}-{'-'.join(p[1])}" for p in PAGES])
def test_page_personas(full, as_persona, name, args, expected):
    url = reverse(name, args=[_arg(full, a) for a in args])
    for persona, status in expected.items():
        assert as_persona(persona).get(url).status_code == status, (persona, url)
    anon = as_persona("anonymous").get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_other_subdistrict_hq_sees_nothing(full, as_persona):
    client = as_persona("other_hq")
    assert client.get(reverse("pairing:point", args=[full.point_a.pk])).status_code == 404
    assert full.point_a.name not in client.get(reverse("pairing:board")).content.decode()


def test_staff_pairs_in_own_neighborhood_only(full, as_persona):
    client = as_persona("staff_a")
    resp = client.post(
        reverse("pairing:point", args=[full.point_b.pk]), {"action": "pair", "cadre": full.cadre_b.pk}
    )
    assert resp.status_code == 404
    assert not Pairing.objects.filter(point=full.point_b, cadre=full.cadre_b, active=True).exists()
    resp = client.post(
        reverse("pairing:point", args=[full.point_a.pk]), {"action": "pair", "cadre": full.cadre_b.pk}
    )
    # cadre B lives in A; pairing by hand is allowed, the optimiser avoids it
    assert resp.status_code == 302
    assert Pairing.objects.filter(point=full.point_a, cadre=full.cadre_b, active=True).exists()


def test_cadre_cannot_post_management_forms(full, as_persona):
    client = as_persona("cadre")
    assert (
        client.post(reverse("pairing:point", args=[full.point_a.pk]), {"action": "pair"}).status_code == 404
    )
    assert client.post(reverse("pairing:teams"), {"name": "x"}).status_code == 404
    assert client.post(reverse("pairing:buildings"), {}).status_code == 404
    assert not Team.objects.filter(name="x").exists()


def test_cadre_updates_own_task(full, as_persona):
    task = full.task
    resp = as_persona("cadre").post(
        reverse("pairing:task_status", args=[task.pk]), {"status": "done", "version": task.version}
    )
    assert resp.status_code == 302
    assert PairingTask.objects.get(pk=task.pk).status == "done"
    assert (
        as_persona("staff_b")
        .post(reverse("pairing:task_status", args=[task.pk]), {"status": "open"})
        .status_code
        == 404
    )


def test_stale_edit_is_refused_with_message(full, as_persona):
    url = reverse("pairing:pairing_edit", args=[full.pairing_a.pk])
    v = full.pairing_a.version
    as_persona("hq").post(url, {"version": v, "responsibility_note": "门岗"})
    resp = as_persona("staff_a").post(url, {"version": v, "responsibility_note": "入户"}, follow=True)
    assert "已被他人修改" in resp.content.decode()


def test_bulk_assign_page(full, as_persona):
    resp = as_persona("staff_a").post(
        reverse("pairing:buildings"), {"compound": full.w.compound_a.pk, "cadre": full.cadre_a.pk}
    )
    assert resp.status_code == 302
    assert BuildingAssignment.objects.get(building=full.w.building_a).cadre == full.cadre_a
    # compound of B is not in the form's choices for staff A: nothing written
    as_persona("staff_a").post(
        reverse("pairing:buildings"), {"compound": full.w.compound_b.pk, "cadre": full.cadre_a.pk}
    )
    assert not BuildingAssignment.objects.filter(building=full.w.building_b).exists()
    page = as_persona("hq").get(reverse("pairing:buildings") + "?missing=1").content.decode()
    assert "无人包干" in page


def test_buildings_query_count_flat(full, as_persona, django_assert_max_num_queries):
    from fangkong.registry.models import Building

    client = as_persona("hq")
    with django_assert_max_num_queries(20):
        client.get(reverse("pairing:buildings"))
    Building.objects.bulk_create(
        [
            Building(
                subdistrict=full.w.sub,
                neighborhood=full.w.hood_a,
                compound=full.w.compound_a,
                name=f"{i}号楼",
            )
            for i in range(30)
        ]
    )
    with django_assert_max_num_queries(20):
        client.get(reverse("pairing:buildings"))


def test_api_scoped(full, as_persona):
    client = as_persona("staff_a")
    data = client.get("/api/v1/pairing/coverage").json()
    ids = {row["point_id"] for row in data}
    assert full.point_a.pk in ids and full.point_b.pk not in ids
    assert as_persona("anonymous").get("/api/v1/pairing/coverage").status_code == 401
    pairings = client.get("/api/v1/pairing/pairings").json()
    assert [p["id"] for p in pairings] == [full.pairing_a.pk]
    assert as_persona("staff_b").get("/api/v1/pairing/pairings").json() == []
    unassigned = {
        b["building_id"] for b in as_persona("hq").get("/api/v1/pairing/buildings/unassigned").json()
    }
    assert unassigned == {full.w.building_a.pk, full.w.building_b.pk}


def test_api_checkin_idempotent_and_scoped(full, as_persona):
    w = full.w
    t = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="楼梯扶手消毒")
    services.apply_template(actor=w.hq, template=t)
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=dt.date.today())
    rounds = as_persona("staff_a").get("/api/v1/pairing/rounds").json()
    assert {r["building_id"] for r in rounds} == {w.building_a.pk}
    rid = rounds[0]["id"]
    first = as_persona("staff_a").post(
        f"/api/v1/pairing/rounds/{rid}/checkin", {"note": "ok"}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["created"] is True
    again = as_persona("staff_a").post(
        f"/api/v1/pairing/rounds/{rid}/checkin", {"note": "x"}, content_type="application/json"
    )
    assert again.json()["created"] is False
    assert (
        as_persona("staff_b")
        .post(f"/api/v1/pairing/rounds/{rid}/checkin", {}, content_type="application/json")
        .status_code
        == 404
    )


def test_ical_needs_no_login_but_token(full, client):
    assert client.get("/pairing/ical/short.ics").status_code == 404


def test_board_in_english(full, as_persona):
    client = as_persona("hq")
    client.cookies["django_language"] = "en"
    html = client.get(reverse("pairing:board"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Pairing coverage board" in html and "Uncovered" in html
