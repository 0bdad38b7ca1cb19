"""The public masks endpoints under the core rate limiter: booking, lookup and the voucher page answer the
request past the limit with 429 and a Chinese message, and a double submit below it stays idempotent."""

import json

import pytest
from django.urls import reverse

from fangkong.core.models import RateCounter
from fangkong.masks.models import Booking

pytestmark = pytest.mark.django_db

API = "/api/v1/masks"
LONG = "window=1000000000"  # one window for the whole test


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _limited(response):
    json_body = response["Content-Type"].startswith("application/json")
    body = response.json()["detail"] if json_body else response.content.decode()
    assert response.status_code == 429, response.status_code
    assert "频繁" in body and "秒后再试" in body
    assert int(response["Retry-After"]) > 0


def test_booking_page_limit_and_double_submit(world, mround, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_BOOK", f"ip=2,key=0,{LONG}")
    url = reverse("masks:public_book", args=[mround.pk])
    form = {**people(), "neighborhood": world.hood_a.pk, "building": world.building_a.pk, "room": "101"}
    first = client.post(url, form)
    again = client.post(url, form)  # a double submit
    assert first.status_code == again.status_code == 200
    assert Booking.objects.count() == 1
    _limited(client.post(url, form))
    assert Booking.objects.count() == 1


def test_booking_api_counts_in_the_core_table(world, mround, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_BOOK", f"ip=1,key=5,{LONG}")
    url = f"{API}/rounds/{mround.pk}/bookings"
    body = {**people(), "building_id": world.building_a.pk, "room": "101"}
    assert _post(client, url, body).status_code == 201
    assert sorted(k.split(":")[1] for k in RateCounter.objects.values_list("key", flat=True)) == ["ip", "k"]
    _limited(_post(client, url, body))


def test_lookup_page_and_api(world, mround, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_LOOKUP", f"ip=2,key=0,{LONG}")
    person = people()
    lookup = {"id_number": person["id_number"], "phone": person["phone"]}
    page = reverse("masks:public_lookup", args=[mround.pk])
    assert client.post(page, lookup).status_code == 200
    assert _post(client, f"{API}/rounds/{mround.pk}/lookup", lookup).status_code == 404
    _limited(client.post(page, lookup))
    limited = _post(client, f"{API}/rounds/{mround.pk}/lookup", lookup)
    _limited(limited)
    assert "频繁" in limited.json()["detail"]


def test_lookup_is_limited_per_id_number_across_addresses(world, mround, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_LOOKUP", f"ip=0,key=2,{LONG}")
    person = people()
    url = f"{API}/rounds/{mround.pk}/lookup"
    for n in range(2):
        body = {"id_number": person["id_number"], "phone": f"1380000000{n}"}
        assert _post(client, url, body).status_code == 404
    over = client.post(
        url,
        json.dumps({"id_number": person["id_number"], "phone": "13800000009"}),
        content_type="application/json",
        REMOTE_ADDR="10.9.9.9",
    )
    _limited(over)
    assert "证件号码" in over.json()["detail"]


def test_voucher_page(world, people, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_VOUCHER", f"ip=2,key=0,{LONG}")
    url = reverse("masks:voucher", args=["VNOTEXIST"])
    person = people()
    check = {"id_number": person["id_number"], "phone": person["phone"]}
    assert client.post(url, check).status_code == 404
    assert client.post(url, check).status_code == 404
    _limited(client.post(url, check))
    assert client.get(url).status_code == 200  # the question itself is not counted


@pytest.mark.parametrize("name", ["张\x00三", "张\u202e三", "张" * 51])
def test_booking_names_are_refused_not_mangled(world, mround, people, client, name):
    body = {**people(), "name": name, "building_id": world.building_a.pk, "room": "101"}
    response = _post(client, f"{API}/rounds/{mround.pk}/bookings", body)
    assert response.status_code == 400 and "姓名" in json.dumps(response.json(), ensure_ascii=False)
    assert not Booking.objects.exists()
