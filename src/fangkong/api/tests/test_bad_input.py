"""Bad input is a 4xx with a clear message, never a server error: list bounds, lone surrogates, oversized
bodies, invalid dates and non-numeric ids; and a server error that does happen is logged with its
traceback in production."""

import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from fangkong.core.middleware import is_bad_number

pytestmark = pytest.mark.django_db


def _quiet_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("param", ["limit", "offset"])
@pytest.mark.parametrize("value", [2**63, 2**64 + 5, -1, 0])
def test_list_bounds_are_422(as_persona, param, value):
    if param == "offset" and value == 0:
        pytest.skip("offset 0 is valid")
    client = _quiet_client(as_persona("hq"))
    for path in ("/api/v1/registry/households", "/api/v1/returnees/declarations"):
        response = client.get(path, {param: value})
        assert response.status_code == 422, (path, response.status_code)


def test_lists_still_page(as_persona):
    response = as_persona("hq").get("/api/v1/registry/households", {"limit": 2, "offset": 0})
    assert response.status_code == 200 and len(response.json()["items"]) <= 2


def test_lone_surrogate_in_json_is_400(world, client):
    _quiet_client(client)
    body = '{"name": "\\ud800", "phone": "13812345678", "temperature": "36.5"}'
    from fangkong.returnees.services import ensure_venue

    venue = ensure_venue(actor=world.hq, organization=world.org_b)
    response = client.post(
        f"/api/v1/returnees/public/checkin/{venue.code}", body, content_type="application/json"
    )
    assert response.status_code == 400 and "代理项" in response.json()["detail"]
    bad_utf8 = client.post(
        f"/api/v1/returnees/public/checkin/{venue.code}",
        b'{"name": "\xff\xfe"}',
        content_type="application/json",
    )
    assert bad_utf8.status_code == 400 and "UTF-8" in bad_utf8.json()["detail"]


def test_oversized_body_to_public_booking_is_413(world, client):
    _quiet_client(client)
    body = json.dumps({"name": "x" * (25 * 1024 * 1024)})
    response = client.post("/api/v1/masks/rounds/1/bookings", body, content_type="application/json")
    assert response.status_code == 413 and "过大" in response.json()["detail"]


def test_audit_log_with_an_invalid_date_is_400(as_persona):
    client = _quiet_client(as_persona("hq"))
    for query in ({"since": "2020-13-45"}, {"until": "yesterday"}, {"since": "99999-01-01"}):
        response = client.get(reverse("audit_log"), query)
        assert response.status_code == 400 and "日期格式无效" in response.content.decode()
    assert client.get(reverse("audit_log"), {"since": "2020-02-01"}).status_code == 200


@pytest.mark.parametrize("field", ["pairing", "team"])
def test_non_numeric_ids_in_forms_are_400(as_persona, field):
    client = _quiet_client(as_persona("hq"))
    response = client.post(reverse("pairing:task_create"), {field: "abc", "title": "x"})
    assert response.status_code == 400 and "须为数字" in response.content.decode()


def test_non_numeric_id_at_the_mask_desk_is_400(world, as_persona):
    client = _quiet_client(as_persona("staff_a"))
    response = client.post(reverse("masks:desk_book", args=[1]), {"household": "1 OR 1=1"})
    assert response.status_code in (400, 404)


def test_bad_number_predicate():
    from fangkong.registry.models import Resident

    with pytest.raises((ValueError, TypeError, ValidationError)) as caught:
        Resident.objects.filter(pk="abc").exists()
    assert is_bad_number(caught.value)
    assert is_bad_number(ValueError("invalid literal for int() with base 10: 'x'"))
    assert not is_bad_number(ValueError("something else went wrong"))
    assert not is_bad_number(KeyError("expected a number but got"))


@override_settings(DEBUG=False)
def test_server_errors_are_logged_with_their_traceback(monkeypatch):
    import io

    from fangkong.returnees import services

    def broken(code):
        raise RuntimeError("boom-for-the-log")

    monkeypatch.setattr(services, "venue_for_code", broken)
    handlers = [h for h in logging.getLogger("django.request").handlers if type(h) is logging.StreamHandler]
    assert handlers and not any(h.filters for h in handlers)  # not only in debug mode
    buffer = io.StringIO()
    old = handlers[0].setStream(buffer)
    try:
        client = Client(raise_request_exception=False)
        body = {"name": "x", "phone": "13812345678", "temperature": "36.5"}
        response = client.post("/api/v1/returnees/public/checkin/abc", body, content_type="application/json")
    finally:
        handlers[0].setStream(old)
    assert response.status_code == 500
    logged = buffer.getvalue()
    assert "Internal Server Error" in logged and "Traceback" in logged and "boom-for-the-log" in logged
