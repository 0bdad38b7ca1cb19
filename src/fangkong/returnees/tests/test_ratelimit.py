"""The public returnee endpoints under the core rate limiter: declaration, report link and venue check-in
answer the request past the limit with 429 and a Chinese message; a double submit below it stays
idempotent."""

import json

import pytest
from django.urls import reverse

from fangkong.returnees import services
from fangkong.returnees.models import Declaration, HealthReport, VenueVisit

pytestmark = pytest.mark.django_db

API = "/api/v1/returnees"
LONG = "window=1000000000"  # one window for the whole test


def _limited(response):
    json_body = response["Content-Type"].startswith("application/json")
    body = response.json()["detail"] if json_body else response.content.decode()
    assert response.status_code == 429, response.status_code
    assert "频繁" in body and "秒后再试" in body
    assert int(response["Retry-After"]) > 0


def _declaration(world, data):
    return {
        "name": "赵六",
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "neighborhood": world.hood_b.pk,
        "compound": world.compound_b.pk,
        "building": world.building_b.pk,
        "room": "1202",
        "origin_code": "420100",
        "transport": "rail",
        "transport_number": "G100",
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
        "submission_id": "pub-1",
    }


def test_public_declaration_per_address(world, client, make_input, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_DECLARE", f"ip=2,key=0,{LONG}")
    url = reverse("returnees:public_declare", args=[world.sub.pk])
    post = _declaration(world, make_input())
    assert client.post(url, post).status_code == 200
    assert client.post(url, post).status_code == 200  # a double submit
    assert Declaration.objects.count() == 1
    _limited(client.post(url, _declaration(world, make_input())))
    assert Declaration.objects.count() == 1
    assert client.get(url).status_code == 200  # reading the form is not counted


def test_public_declaration_per_id_number(world, client, make_input, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_DECLARE", f"ip=0,key=1,{LONG}")
    url = reverse("returnees:public_declare", args=[world.sub.pk])
    post = _declaration(world, make_input())
    assert client.post(url, post).status_code == 200
    over = client.post(url, {**post, "transport_number": "G200"}, REMOTE_ADDR="10.1.1.1")
    _limited(over)
    assert "证件号码" in over.content.decode()
    assert client.post(url, _declaration(world, make_input())).status_code == 200  # another person


def test_report_link_page_and_api(isolated, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_REPORT", f"ip=3,key=0,{LONG}")
    url = reverse("returnees:report", args=[isolated.token])
    assert client.get(url).status_code == 200
    assert client.post(url, {"temperature": "36.6"}).status_code == 200
    api = f"{API}/public/report/{isolated.token}"
    assert client.post(
        api, json.dumps({"temperature": "36.6"}), content_type="application/json"
    ).status_code in (
        200,
        201,
    )
    assert HealthReport.objects.count() == 1  # the same slot: the double submit is one report
    _limited(client.get(url))
    limited = client.post(api, json.dumps({"temperature": "36.6"}), content_type="application/json")
    _limited(limited)
    assert "频繁" in limited.json()["detail"]


def test_report_link_guessing_is_limited(world, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_REPORT", f"ip=2,key=0,{LONG}")
    for n in range(2):
        assert client.get(reverse("returnees:report", args=[f"guess{n}" + "x" * 40])).status_code == 404
    _limited(client.get(reverse("returnees:report", args=["guess9" + "x" * 40])))


def test_venue_checkin_page_and_api(world, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", f"ip=3,key=0,{LONG}")
    venue = services.ensure_venue(actor=world.hq, organization=world.org_b)
    url = reverse("returnees:checkin", args=[venue.code])
    post = {"name": "访客甲", "phone": "13812345678", "temperature": "36.5", "submission_id": "v1"}
    assert "登记成功" in client.post(url, post).content.decode()
    assert "登记成功" in client.post(url, post).content.decode()  # a double submit
    assert VenueVisit.objects.count() == 1
    assert client.get(url).status_code == 200  # the form is not counted
    api = f"{API}/public/checkin/{venue.code}"
    body = {**post, "submission_id": "v2"}
    assert client.post(api, json.dumps(body), content_type="application/json").status_code == 201
    _limited(client.post(url, {**post, "submission_id": "v3"}))
    limited = client.post(api, json.dumps(body), content_type="application/json")
    _limited(limited)
    assert VenueVisit.objects.count() == 2


def test_venue_checkin_per_phone(world, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", f"ip=0,key=1,{LONG}")
    venue = services.ensure_venue(actor=world.hq, organization=world.org_b)
    api = f"{API}/public/checkin/{venue.code}"
    body = {"name": "客人", "phone": "13812345678", "temperature": "36.4", "submission_id": "k1"}
    assert client.post(api, json.dumps(body), content_type="application/json").status_code == 201
    _limited(client.post(api, json.dumps({**body, "submission_id": "k2"}), content_type="application/json"))
    other = {**body, "phone": "13912345678", "submission_id": "k3"}
    assert client.post(api, json.dumps(other), content_type="application/json").status_code == 201


@pytest.mark.parametrize("temperature", ["42.05", "33.95"])
def test_temperatures_just_outside_the_range_are_refused(world, client, temperature):
    venue = services.ensure_venue(actor=world.hq, organization=world.org_b)
    api = f"{API}/public/checkin/{venue.code}"
    body = {"name": "客人", "phone": "13812345678", "temperature": temperature, "submission_id": "t1"}
    response = client.post(api, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and "34.0" in json.dumps(response.json(), ensure_ascii=False)
    assert not VenueVisit.objects.exists()


@pytest.mark.parametrize("name", ["张\x00三", "张\u202e三", "张\u200b三", "张\ufffd三", "张" * 51])
def test_names_are_refused_not_mangled_at_checkin(world, client, name):
    venue = services.ensure_venue(actor=world.hq, organization=world.org_b)
    api = f"{API}/public/checkin/{venue.code}"
    body = {"name": name, "phone": "13812345678", "temperature": "36.5", "submission_id": "n1"}
    response = client.post(api, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and "姓名" in json.dumps(response.json(), ensure_ascii=False)
    assert not VenueVisit.objects.exists()
