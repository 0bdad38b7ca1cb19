"""The one rate limiter (core.ratelimit): configuration, fixed windows, stored keys, and the 429 answers of the
decorator, the middleware and sign-in."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core import ratelimit
from fangkong.core.models import RateCounter
from fangkong.core.testing import PASSWORD

LONG = "window=1000000000"  # tests count in one window: a fixed window of 60 s could end mid-test


def test_defaults_and_environment_overrides(monkeypatch):
    book = ratelimit.limit_for("masks.book")
    assert (book.window, book.per_ip, book.per_key) == (60, 30, 10)
    monkeypatch.setenv("FANGKONG_RATE_MASKS_BOOK", "ip=5, window=10")
    book = ratelimit.limit_for("masks.book")
    assert (book.window, book.per_ip, book.per_key) == (10, 5, 10)
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", "off")
    venue = ratelimit.limit_for("returnees.venue")
    assert venue.per_ip == venue.per_key == 0
    assert ratelimit.keys_for(venue, ip="10.0.0.1", key="13800000000") == []
    for bad in ("ip=lots", "ip", "burst=3", "ip=-1"):
        monkeypatch.setenv("FANGKONG_RATE_MASKS_BOOK", bad)
        with pytest.raises(ImproperlyConfigured):
            ratelimit.limit_for("masks.book")
    with pytest.raises(KeyError):
        ratelimit.limit_for("masks.nothing")


@pytest.mark.django_db
def test_fixed_window_counts_and_restarts(monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_ACCOUNTS_LOGIN", "ip=2,key=0,window=60")
    limit = ratelimit.limit_for("accounts.login")
    keys = ratelimit.keys_for(limit, ip="10.0.0.1")
    start = 6000.0  # a window boundary
    ratelimit.count(limit, keys, now=start)
    ratelimit.count(limit, keys, now=start + 30)
    with pytest.raises(ratelimit.RateLimited) as over:
        ratelimit.count(limit, keys, now=start + 50)
    assert "过于频繁" in over.value.message and over.value.retry_after == 11
    # another client address has its own count
    ratelimit.count(limit, ratelimit.keys_for(limit, ip="10.0.0.2"), now=start + 50)
    # the next window starts again at one
    ratelimit.count(limit, keys, now=start + 60)
    assert RateCounter.objects.get(key=keys[0][0]).hits == 1
    assert ratelimit.purge(now=start + 10_000) == 2 and not RateCounter.objects.exists()


@pytest.mark.django_db
def test_keys_are_stored_hashed_and_normalised(monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_LOOKUP", f"ip=0,key=2,{LONG}")
    id_number = "11010519491231002X"
    ratelimit.check("masks.lookup", ip="10.0.0.1", key=id_number)
    ratelimit.check("masks.lookup", ip="10.0.0.1", key=" " + id_number.lower())
    with pytest.raises(ratelimit.RateLimited) as over:
        ratelimit.check("masks.lookup", ip="10.0.0.3", key=id_number)
    assert "证件号码" in over.value.message
    stored = list(RateCounter.objects.values_list("key", flat=True))
    assert len(stored) == 1 and id_number not in stored[0] and "10.0.0" not in stored[0]


@given(raw=st.text(alphabet="ipkeywndoOF=,; 0123456789-x", max_size=30))
def test_any_override_parses_or_is_refused_clearly(raw):
    import os

    os.environ["FANGKONG_RATE_MASKS_VOUCHER"] = raw
    try:
        limit = ratelimit.limit_for("masks.voucher")
    except ImproperlyConfigured as exc:
        assert "FANGKONG_RATE_MASKS_VOUCHER" in str(exc)
    else:
        assert limit.window >= 1 and limit.per_ip >= 0 and limit.per_key >= 0
    finally:
        del os.environ["FANGKONG_RATE_MASKS_VOUCHER"]


@pytest.mark.django_db
def test_decorator_answers_429_for_pages_and_api(monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_MASKS_VOUCHER", f"ip=1,{LONG}")
    calls = []

    @ratelimit.limit("masks.voucher", methods=("POST",))
    def view(request):
        calls.append(request.method)
        return HttpResponse("ok")

    factory = RequestFactory()
    assert view(factory.post("/p/")).status_code == 200
    assert view(factory.get("/p/")).status_code == 200  # GET is not counted
    page = view(factory.post("/p/"))
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "过于频繁" in page.content.decode()
    api = view(factory.post("/api/v1/x", "{}", content_type="application/json"))
    assert api.status_code == 429 and "过于频繁" in json.loads(api.content)["detail"]
    assert calls == ["POST", "GET"]


@pytest.mark.django_db
def test_middleware_answers_rate_limited_raised_in_a_view(monkeypatch):
    middleware = ratelimit.RateLimitMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/returnees/p/r/x/")
    answer = middleware.process_exception(
        request, ratelimit.RateLimited("您的操作过于频繁，请 9 秒后再试。", 9)
    )
    assert answer is not None and answer.status_code == 429 and answer["Retry-After"] == "9"
    assert middleware.process_exception(request, ValueError()) is None


@pytest.mark.django_db
def test_sign_in_is_limited_per_client_and_per_username(world, client, monkeypatch):
    url = reverse("login")
    monkeypatch.setenv("FANGKONG_RATE_ACCOUNTS_LOGIN", f"ip=3,key=0,{LONG}")
    for _i in range(3):
        assert client.post(url, {"username": "nobody", "password": "x"}).status_code == 200
    over = client.post(url, {"username": "staff_a", "password": PASSWORD})
    assert over.status_code == 429 and "过于频繁" in over.content.decode() and over["Retry-After"]
    assert "_auth_user_id" not in client.session
    assert client.get(url).status_code == 200  # the form itself is not counted
    RateCounter.objects.all().delete()
    monkeypatch.setenv("FANGKONG_RATE_ACCOUNTS_LOGIN", f"ip=0,key=2,{LONG}")
    for _i in range(2):
        client.post(url, {"username": "staff_b", "password": "wrong"})
    assert client.post(url, {"username": "staff_b", "password": PASSWORD}).status_code == 429
    # another username from the same address still signs in
    assert client.post(url, {"username": "staff_a", "password": PASSWORD}).status_code == 302
