"""A public repeat of a declared trip never writes into the declaration: it is kept as a pending amendment that
the neighborhood's staff accept or reject field by field, and its answer tells nothing about the record."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.core import crypto
from fangkong.core.models import AuditEvent, Notification
from fangkong.returnees import services
from fangkong.returnees.choices import AmendmentStatus, RiskLevel
from fangkong.returnees.models import Declaration, DeclarationAmendment, Isolation

pytestmark = pytest.mark.django_db

GREEN = dict(origin_code="440300", transport="self_drive", transport_number="沪A12345")


def _green(world, make_input, **overrides):
    data = make_input(**{**GREEN, **overrides})
    result = services.declare_return(actor=world.staff_a, data=data)
    assert result.declaration.risk_level == RiskLevel.GREEN and result.isolation is None
    return data, result.declaration


def _public_post(world, data, **overrides):
    post = {
        "name": data.name,
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "neighborhood": world.hood_a.pk,
        "compound": world.compound_a.pk,
        "building": world.building_a.pk,
        "room": data.room,
        "origin_code": data.origin_code,
        "transport": data.transport,
        "transport_number": data.transport_number,
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
        "submission_id": "pub-repeat",
    }
    post.update(overrides)
    return post


def test_public_repeat_never_overwrites_the_record(world, make_input):
    data, decl = _green(world, make_input)
    before = {f: getattr(decl, f) for f in ("name", "neighborhood_id", "building_id", "room", "phone_hash")}
    repeat = make_input(
        **GREEN,
        id_number=data.id_number,
        name="冒名",
        building_id=world.building_b.pk,
        room="1202",
        phone="13900000000",
        symptoms=True,
        temperature="38.5",
        submission_id="other-form",
    )
    result = services.declare_return(actor=None, data=repeat, source="public")
    assert result.received_for_review and not result.created and result.token is None
    decl.refresh_from_db()
    assert {f: getattr(decl, f) for f in before} == before
    assert not decl.symptoms and decl.risk_level == RiskLevel.GREEN and decl.merge_count == 0
    # New symptoms start nothing by themselves...
    assert not Isolation.objects.exists()
    # ...but they are a safety signal: the neighborhood's staff and HQ are alerted at once.
    assert Notification.objects.filter(kind="fever", recipient=world.staff_a).exists()
    assert Notification.objects.filter(kind="fever", recipient=world.hq).exists()
    assert not Notification.objects.filter(kind="fever", recipient=world.staff_b).exists()
    amendment = DeclarationAmendment.objects.get()
    assert amendment.status == AmendmentStatus.PENDING and amendment.new_symptoms
    assert amendment.neighborhood_id == decl.neighborhood_id
    assert set(amendment.fields_proposed) >= {
        "name",
        "building_id",
        "room",
        "phone",
        "symptoms",
        "temperature",
    }
    # The proposed phone is sealed, never in the JSON.
    assert "13900000000" not in str(amendment.proposed)
    assert amendment.phone_hash == crypto.lookup_hash("phone", "13900000000")
    assert AuditEvent.objects.filter(object_type="returnees.declarationamendment", action="create").exists()


def test_public_answer_to_a_repeat_shows_nothing_of_the_record(world, client, make_input):
    url = reverse("returnees:public_declare", args=[world.sub.pk])
    data = make_input()  # from Wuhan: home isolation
    first = client.post(url, _public_post(world, data, submission_id="first")).content.decode()
    assert "/returnees/p/r/" in first
    iso = Isolation.objects.get()
    again = client.post(url, _public_post(world, data, name="别人")).content.decode()
    assert 'id="received"' in again
    for leak in (
        "/returnees/p/r/",
        "风险等级",
        "黄",
        "居家隔离",
        iso.end_date.isoformat(),
        iso.start_date.isoformat(),
        data.name,
    ):
        assert leak not in again, leak
    assert Declaration.objects.get().name == data.name


def test_repeat_with_nothing_new_is_received_without_an_amendment(world, make_input):
    data, decl = _green(world, make_input, submission_id="staff-form")
    result = services.declare_return(
        actor=None, data=make_input(**GREEN, id_number=data.id_number, phone=data.phone), source="public"
    )
    assert result.received_for_review and result.amendment is None
    assert not DeclarationAmendment.objects.exists()


def test_staff_accept_and_reject_field_by_field(world, make_input, as_persona):
    data, decl = _green(world, make_input)
    repeat = make_input(**GREEN, id_number=data.id_number, name="改名", room="808", symptoms=True)
    amendment = services.declare_return(actor=None, data=repeat, source="public").amendment
    client = as_persona("staff_a")
    url = reverse("returnees:amendment_detail", args=[amendment.pk])
    page = client.get(url).content.decode()
    assert "改名" in page and 'id="amendment-form"' in page
    # Every field needs a decision; a partial answer changes nothing.
    partial = client.post(url, {"d_name": "reject"}).content.decode()
    assert "请选择采纳或不采纳" in partial
    decl.refresh_from_db()
    assert decl.name == data.name and not decl.symptoms
    answer = {f"d_{f}": "reject" for f in amendment.fields_proposed}
    answer.update({"d_symptoms": "accept", "d_room": "accept"})
    response = client.post(url, answer)
    assert response.status_code == 302
    decl.refresh_from_db()
    assert decl.name == data.name and decl.room == "808" and decl.symptoms
    # Accepted symptoms classify the declaration again; staff made that decision.
    assert decl.risk_level == RiskLevel.RED and Isolation.objects.filter(declaration=decl).exists()
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.RESOLVED and amendment.decided_by == world.staff_a
    assert amendment.decisions["name"] == "reject" and amendment.decisions["symptoms"] == "accept"
    update = AuditEvent.objects.filter(object_type="returnees.declaration", action="update").latest("pk")
    assert "room" in update.changes and "name" not in update.changes
    assert AuditEvent.objects.filter(
        object_type="returnees.declarationamendment", action="update", actor=world.staff_a
    ).exists()
    # Decided once: a second decision is refused.
    with pytest.raises(ValidationError):
        services.decide_amendment(actor=world.staff_a, amendment=amendment, decisions=answer)


@pytest.mark.parametrize(
    "persona, status, form",
    [
        ("hq", 200, True),
        ("staff_a", 200, True),
        ("staff_b", 404, False),
        ("auditor", 200, False),
        ("viewer", 200, False),
        ("org_contact", 404, False),
        ("other_hq", 404, False),
    ],
)
def test_amendments_are_scoped_and_offered_only_to_who_may_decide(
    world, make_input, as_persona, persona, status, form
):
    data, decl = _green(world, make_input)
    repeat = make_input(**GREEN, id_number=data.id_number, phone=data.phone, room="909")
    amendment = services.declare_return(actor=None, data=repeat, source="public").amendment
    client = as_persona(persona)
    response = client.get(reverse("returnees:amendment_detail", args=[amendment.pk]))
    assert response.status_code == status
    if status == 200:
        assert ('id="amendment-form"' in response.content.decode()) == form
        listed = client.get(reverse("returnees:amendment_list")).content.decode()
        assert decl.name in listed
    post = client.post(reverse("returnees:amendment_detail", args=[amendment.pk]), {"d_room": "accept"})
    assert post.status_code in ((302,) if form else (404, 302))
    decl.refresh_from_db()
    assert (decl.room == "909") == form
