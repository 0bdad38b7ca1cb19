"""The masks API: persona scoping, the public idempotent booking endpoint, rate limits and pickup."""

import json

import pytest
from django.test import override_settings

from fangkong.core import ratelimit
from fangkong.masks import services
from fangkong.masks.choices import BookingStatus
from fangkong.masks.models import Booking, Voucher

pytestmark = pytest.mark.django_db

API = "/api/v1/masks"


def _post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("hq", 200),
        ("staff_a", 200),
        ("staff_b", 200),
        ("auditor", 200),
        ("org_contact", 404),
        ("office", 404),
        ("other_hq", 404),
        ("anonymous", 401),
    ],
)
def test_round_endpoints_are_scoped(world, mround, as_persona, persona, expected):
    client = as_persona(persona)
    for path in ("", "/figures", "/bookings", "/reconciliation", "/reconciliation/sites"):
        assert client.get(f"{API}/rounds/{mround.pk}{path}").status_code == expected, path
    listing = client.get(f"{API}/rounds")
    if expected == 200:
        assert listing.status_code == 200 and [r["id"] for r in listing.json()] == [mround.pk]
    elif persona == "other_hq":  # a masks reader of another sub-district: the list answers, without the round
        assert listing.status_code == 200 and listing.json() == []
    else:  # no masks reader at all: the whole masks API answers as if it did not exist
        assert listing.status_code == expected


def test_staff_see_only_their_bookings_and_figures(world, mround, people, as_persona):
    services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room="101", **people())
    services.book_public(round_id=mround.pk, building_id=world.building_b.pk, room="101", **people())
    rows = as_persona("staff_b").get(f"{API}/rounds/{mround.pk}/bookings").json()
    assert [r["neighborhood_id"] for r in rows] == [world.hood_b.pk]
    figures = as_persona("staff_b").get(f"{API}/rounds/{mround.pk}/figures").json()
    assert [f["neighborhood_id"] for f in figures] == [world.hood_b.pk]
    assert "id_number_enc" not in rows[0]


def test_public_booking_endpoint_is_idempotent(world, mround, people, client):
    person = people()
    body = {**person, "building_id": world.building_a.pk, "room": "101"}
    first = _post(client, f"{API}/rounds/{mround.pk}/bookings", body)
    assert first.status_code == 201
    second = _post(client, f"{API}/rounds/{mround.pk}/bookings", body)
    assert second.status_code == 200 and second.json()["number"] == first.json()["number"]
    assert Booking.objects.count() == 1


def test_public_booking_endpoint_refuses_another_households_booking(world, mround, people, client):
    """Issue: POST .../bookings with a made-up valid ID for an address already booked returned the real
    household's booking and voucher number."""
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    url = f"{API}/rounds/{mround.pk}/bookings"
    first = _post(client, url, {**people(), "building_id": world.building_a.pk, "room": "101"})
    assert first.status_code == 201 and first.json()["voucher_number"]
    other = _post(client, url, {**people(), "building_id": world.building_a.pk, "room": "101"})
    assert other.status_code == 409
    assert other.json() == {"detail": ["该地址本轮已预约。"]}
    text = other.content.decode()
    assert first.json()["number"] not in text and first.json()["voucher_number"] not in text
    assert Booking.objects.count() == 1


def test_public_booking_endpoint_errors(world, mround, people, client):
    bad = _post(
        client,
        f"{API}/rounds/{mround.pk}/bookings",
        {**people(), "phone": "123", "building_id": world.building_a.pk, "room": "101"},
    )
    assert bad.status_code == 400 and "phone" in bad.json()["detail"]
    nowhere = _post(
        client, f"{API}/rounds/{mround.pk}/bookings", {**people(), "building_id": 999999, "room": "101"}
    )
    assert nowhere.status_code == 400 and "楼栋" in json.dumps(nowhere.json(), ensure_ascii=False)
    missing_round = _post(
        client,
        f"{API}/rounds/999999/bookings",
        {**people(), "building_id": world.building_a.pk, "room": "101"},
    )
    assert missing_round.status_code == 400
    assert not Booking.objects.exists()


def test_rate_limit_per_id_number(world, mround, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_BOOK", "key=3,window=1000000000")
    person = people()
    codes = [
        _post(
            client,
            f"{API}/rounds/{mround.pk}/bookings",
            {**person, "building_id": world.building_a.pk, "room": "101"},
        ).status_code
        for _i in range(4)
    ]
    assert codes[:3] == [201, 200, 200]
    limited = _post(
        client,
        f"{API}/rounds/{mround.pk}/bookings",
        {**person, "building_id": world.building_a.pk, "room": "101"},
    )
    assert limited.status_code == 429 and "频繁" in limited.json()["detail"]
    assert int(limited["Retry-After"]) > 0
    # another person is not limited by this one's ID number
    assert (
        _post(
            client,
            f"{API}/rounds/{mround.pk}/bookings",
            {**people(), "building_id": world.building_b.pk, "room": "101"},
        ).status_code
        == 201
    )


def test_rate_limit_per_client_ip(world, mround, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_BOOK", "ip=2,window=1000000000")
    url = f"{API}/rounds/{mround.pk}/bookings"
    body = lambda: {**people(), "building_id": world.building_a.pk, "room": "101"}  # noqa: E731
    assert _post(client, url, body()).status_code == 201
    assert _post(client, url, body()).status_code == 409  # another person: the address is booked
    assert _post(client, url, body()).status_code == 429
    # the page says it in Chinese too
    page = client.post(f"/masks/r/{mround.pk}/", {**body(), "building": world.building_a.pk, "room": "101"})
    assert page.status_code == 429 and "过于频繁" in page.content.decode()


def test_forwarded_for_is_used_only_when_trusted(monkeypatch):
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.1.2.3"}
    assert ratelimit.client_ip(meta) == "127.0.0.1"
    with override_settings(FANGKONG_TRUST_PROXY=True):  # the entry the proxy appended, not the client's
        assert ratelimit.client_ip(meta) == "10.1.2.3"


def test_lookup_endpoint(world, mround, people, client):
    person = people()
    services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room="101", **person)
    found = _post(
        client,
        f"{API}/rounds/{mround.pk}/lookup",
        {"id_number": person["id_number"], "phone": person["phone"]},
    )
    assert found.status_code == 200 and found.json()["number"] == Booking.objects.get().number
    assert (
        _post(
            client,
            f"{API}/rounds/{mround.pk}/lookup",
            {"id_number": person["id_number"], "phone": "13912345678"},
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("hq", 200),
        ("staff_a", 200),
        ("staff_b", 409),
        ("org_contact", 404),
        ("auditor", 404),
        ("anonymous", 401),
    ],
)
def test_pickup_endpoint(world, mround, people, as_persona, persona, expected):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    person = people()
    result = services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room="101", **person)
    body = {"round_id": mround.pk, "number": result.voucher_number, "id_check": person["id_number"][-4:]}
    response = _post(as_persona(persona), f"{API}/pickup", body)
    assert response.status_code == expected
    collected = Voucher.objects.get(number=result.voucher_number).status == "collected"
    assert collected == (expected == 200)
    if expected == 200:
        again = _post(as_persona(persona), f"{API}/pickup", body)
        assert again.status_code == 409 and "已于" in json.dumps(again.json(), ensure_ascii=False)


def test_pickup_endpoint_needs_the_bookers_id(world, mround, people, as_persona):
    """Issue: the pickup desk accepted a typed voucher number alone."""
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    person = people()
    result = services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room="101", **person)
    client = as_persona("staff_a")
    url = f"{API}/pickup"
    number = result.voucher_number
    assert _post(client, url, {"round_id": mround.pk, "number": number}).status_code == 422
    for wrong in ("", "0000" if person["id_number"][-4:] != "0000" else "1111", people()["id_number"]):
        answer = _post(client, url, {"round_id": mround.pk, "number": number, "id_check": wrong})
        assert answer.status_code == 409, wrong
        assert "身份证" in json.dumps(answer.json(), ensure_ascii=False)
    assert Voucher.objects.get(number=number).status == "issued"
    ok = _post(client, url, {"round_id": mround.pk, "number": number, "id_check": person["id_number"]})
    assert ok.status_code == 200 and Voucher.objects.get(number=number).status == "collected"


def test_booking_answer_is_exactly_the_declared_schema(world, mround, people, client):
    from fangkong.api.routers.masks import BookingOut

    url = f"{API}/rounds/{mround.pk}/bookings"
    person = {**people(), "building_id": world.building_a.pk, "room": "101"}
    for expected in (201, 200):
        answer = _post(client, url, person)
        assert answer.status_code == expected
        assert answer["Content-Type"] == "application/json; charset=utf-8"
        body = answer.json()
        assert BookingOut.model_validate(body).model_dump() == body
        assert body["created"] is (expected == 201) and body["status"] == BookingStatus.WAITING
