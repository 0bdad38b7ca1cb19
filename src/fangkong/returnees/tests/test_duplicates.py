"""A staff declaration must not reveal that an ID is registered outside the user's scope: a trip already
declared in another neighborhood is answered as for an unknown ID, and the duplicate is kept for HQ."""

import json

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEvent
from fangkong.returnees.models import Declaration

pytestmark = pytest.mark.django_db

API = "/api/v1/returnees/declarations"


def _payload(data, **overrides):
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.__dict__.items()}
    body.update(overrides)
    return json.dumps(body)


def _answer_shape(response):
    body = response.json()
    return response.status_code, body["created"], sorted(body), sorted(body["declaration"])


def test_api_answers_a_trip_declared_elsewhere_as_an_unknown_id(world, as_persona, make_input):
    declared = make_input()
    a = as_persona("staff_a").post(API, _payload(declared), content_type="application/json")
    assert a.status_code == 201
    client_b = as_persona("staff_b")
    in_b = {"building_id": world.building_b.pk}
    elsewhere = client_b.post(API, _payload(declared, **in_b), content_type="application/json")
    unknown = client_b.post(API, _payload(make_input(), **in_b), content_type="application/json")
    assert _answer_shape(elsewhere) == _answer_shape(unknown) == (201, True, *_answer_shape(unknown)[2:])
    assert "已" not in elsewhere.content.decode("unicode_escape")
    first = Declaration.objects.get(pk=a.json()["declaration"]["id"])
    duplicate = Declaration.objects.get(pk=elsewhere.json()["declaration"]["id"])
    assert duplicate.duplicate_of == first and duplicate.neighborhood_id == world.hood_b.pk
    first.refresh_from_db()
    assert first.merge_count == 0 and first.neighborhood_id == world.hood_a.pk  # untouched
    assert AuditEvent.objects.filter(
        object_type="returnees.declaration", object_id=str(duplicate.pk), action="action"
    ).exists()
    # Within scope, a repeat is still the same declaration (merged).
    again = as_persona("staff_a").post(API, _payload(declared), content_type="application/json")
    assert again.status_code == 200 and again.json()["declaration"]["id"] == first.pk
    # staff B's own repeat merges into B's declaration, not A's.
    again_b = client_b.post(API, _payload(declared, **in_b), content_type="application/json")
    assert again_b.status_code == 200 and again_b.json()["declaration"]["id"] == duplicate.pk


def test_web_form_answers_a_trip_declared_elsewhere_as_an_unknown_id(world, as_persona, make_input):
    from fangkong.returnees import services

    declared = make_input()
    services.declare_return(actor=world.staff_a, data=declared)
    post = {
        "name": declared.name,
        "doc_type": "resident_id",
        "id_number": declared.id_number,
        "phone": declared.phone,
        "building": world.building_b.pk,
        "room": "1202",
        "origin_code": declared.origin_code,
        "transport": declared.transport,
        "transport_number": declared.transport_number,
        "departure_date": declared.departure_date.isoformat(),
        "arrival_date": declared.arrival_date.isoformat(),
    }
    client = as_persona("staff_b")
    response = client.post(reverse("returnees:declaration_new"), post, follow=True)
    body = response.content.decode()
    assert "已保存申报" in body and "已申报" not in body and "管辖范围" not in body
    duplicate = Declaration.objects.get(neighborhood=world.hood_b)
    assert duplicate.duplicate_of is not None
    # B does not see A's declaration on the page; HQ sees both, and can list the duplicates.
    assert 'id="duplicates"' not in body
    hq = as_persona("hq")
    detail = hq.get(reverse("returnees:declaration_detail", args=[duplicate.pk])).content.decode()
    assert 'id="duplicates"' in detail and world.hood_a.name in detail
    listed = hq.get(reverse("returnees:declaration_list") + "?dup=1").content.decode()
    assert reverse("returnees:declaration_detail", args=[duplicate.pk]) in listed
    assert reverse("returnees:declaration_detail", args=[duplicate.duplicate_of_id]) not in listed


def test_hq_resolves_a_duplicate_audited(world, as_persona, make_input):
    from fangkong.returnees import services

    declared = make_input()
    services.declare_return(actor=world.staff_a, data=declared)
    copy = make_input(id_number=declared.id_number, building_id=world.building_b.pk)
    duplicate = services.declare_return(actor=world.staff_b, data=copy).declaration
    assert duplicate.duplicate_of_id is not None
    detail = reverse("returnees:declaration_detail", args=[duplicate.pk])
    resolve = reverse("returnees:declaration_resolve_duplicate", args=[duplicate.pk])
    # Only HQ is offered the form, and only HQ may submit it.
    assert 'id="resolve-duplicate"' not in as_persona("staff_b").get(detail).content.decode()
    assert as_persona("staff_b").post(resolve, {"note": "x"}).status_code == 404
    hq = as_persona("hq")
    assert 'id="resolve-duplicate"' in hq.get(detail).content.decode()
    empty = hq.post(resolve, {"note": " "}, follow=True).content.decode()
    assert "请填写核对说明" in empty
    assert hq.post(resolve, {"note": "已迁入新南二"}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_resolved_by == world.hq and duplicate.duplicate_note == "已迁入新南二"
    assert AuditEvent.objects.filter(
        object_type="returnees.declaration", object_id=str(duplicate.pk), action="update", actor=world.hq
    ).exists()
    # Resolved: out of the duplicates list, and not offered again.
    assert (
        reverse("returnees:declaration_detail", args=[duplicate.pk])
        not in hq.get(reverse("returnees:declaration_list") + "?dup=1").content.decode()
    )
    assert 'id="resolve-duplicate"' not in hq.get(detail).content.decode()
    assert hq.post(resolve, {"note": "again"}).status_code == 404
