"""The public venue check-in under a surge: two SQL statements per registration once the venue and fever line
are cached (the rate limiter's counter upsert and the INSERT), no audit rows for an anonymous registration (the row is the record), and the cache follows
changes (at once in this process, within the TTL elsewhere)."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core import ttlcache
from fangkong.core.models import AuditEvent, Notification
from fangkong.core.services import set_policy
from fangkong.returnees import services
from fangkong.returnees.models import Referral, Venue, VenueVisit
from fangkong.returnees.services import venues as venue_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotel(world):
    return services.ensure_venue(actor=world.hq, organization=world.org_b)


def _post(client, venue, n, temperature="36.5"):
    body = {"name": f"访客{n}", "phone": "13812345678", "temperature": temperature, "submission_id": f"s-{n}"}
    return client.post(
        f"/api/v1/returnees/public/checkin/{venue.code}", json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db(transaction=True)
def test_a_warm_checkin_is_one_insert(hotel, client, django_assert_num_queries):
    assert _post(client, hotel, 0).status_code == 201
    if venue_services.one_statement():  # PostgreSQL: the counters and the INSERT in one prepared statement
        with django_assert_num_queries(1) as ctx:
            assert _post(client, hotel, 1).status_code == 201
        sql = ctx.captured_queries[0]["sql"]
        assert "ratecounter" in sql and "INSERT INTO" in sql and "returnees_venuevisit" in sql
    else:
        with django_assert_num_queries(2) as ctx:
            assert _post(client, hotel, 1).status_code == 201
        assert "ratecounter" in ctx.captured_queries[0]["sql"]
        assert ctx.captured_queries[1]["sql"].startswith("INSERT")
    assert VenueVisit.objects.filter(venue=hotel).count() == 2


@pytest.mark.django_db(transaction=True)
def test_html_form_checkin_is_one_insert_too(hotel, client, django_assert_num_queries):
    from django.urls import reverse

    url = reverse("returnees:checkin", args=[hotel.code])
    post = {"name": "访客", "phone": "13812345678", "temperature": "36.4", "submission_id": "h0"}
    assert "登记成功" in client.post(url, post).content.decode()  # warms the venue and fever line
    post["submission_id"] = "h1"
    with django_assert_num_queries(2):  # the rate counter and the INSERT
        assert "登记成功" in client.post(url, post).content.decode()


def test_no_audit_rows_for_anonymous_checkins(hotel, client):
    before = AuditEvent.objects.count()
    for n in range(5):
        assert _post(client, hotel, n).status_code == 201
    assert AuditEvent.objects.count() == before
    # A re-submitted form is the same registration: 200, nothing new.
    assert _post(client, hotel, 3).status_code == 200
    assert VenueVisit.objects.filter(venue=hotel).count() == 5 and AuditEvent.objects.count() == before


def test_a_fever_writes_visit_referral_audit_and_alert_together(hotel, client, world):
    before = AuditEvent.objects.count()
    response = _post(client, hotel, 9, temperature="38.4")
    assert response.status_code == 201 and response.json()["fever"]
    visit = VenueVisit.objects.get(submission_id="s-9")
    referral = Referral.objects.get(visit=visit)
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.filter(object_type="returnees.referral", object_id=str(referral.pk)).exists()
    assert Notification.objects.filter(kind="fever", recipient=world.staff_b).exists()


def test_suspension_is_seen_at_once_in_this_process(world, client):
    home = services.ensure_venue(actor=world.hq, organization=world.org_a)
    assert _post(client, home, 1).status_code == 201  # cached now
    services.suspend_visits(actor=world.hq, venue=home, from_date=timezone.localdate())
    response = _post(client, home, 2)
    assert response.status_code == 422 and "暂停探视" in response.json()["detail"]
    assert VenueVisit.objects.filter(venue=home).count() == 1


def test_fever_line_change_is_seen_at_once(hotel, client, world):
    assert _post(client, hotel, 1, temperature="37.5").json()["fever"] is True  # 37.5 ≥ 37.3
    set_policy(
        actor=world.hq,
        subdistrict_id=world.sub.pk,
        key="fever_line",
        value=38.0,
        effective_from=timezone.localdate() - dt.timedelta(days=1),
    )
    assert _post(client, hotel, 2, temperature="37.5").json()["fever"] is False


def test_cache_expires_for_changes_made_elsewhere(hotel, monkeypatch):
    import time

    assert services.venue_for_code(hotel.code).visits_suspended_from is None
    # A change another process made (no signal here): still the cached venue until the TTL has passed.
    Venue.objects.filter(pk=hotel.pk).update(name="改名酒店")
    assert services.venue_for_code(hotel.code).name != "改名酒店"
    later = time.monotonic() + services.CHECKIN_CACHE_SECONDS + 1
    monkeypatch.setattr(ttlcache.time, "monotonic", lambda: later)
    assert services.venue_for_code(hotel.code).name == "改名酒店"


def test_unknown_codes_are_404_and_the_cache_stays_bounded(client, hotel, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", "off")  # this test is about the cache
    monkeypatch.setattr(venue_services._checkin, "max_entries", 5)
    for n in range(12):
        assert _post(client, Venue(code=f"nope{n}"), n).status_code == 404
    assert len(venue_services._checkin) <= 5
    assert services.venue_for_code("x" * 40) is None
    assert _post(client, hotel, 99).status_code == 201


def test_a_refused_checkin_counts_against_the_limit(hotel, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", "ip=2,key=0,window=1000000000")
    assert _post(client, hotel, 1, temperature="45").status_code == 422
    assert _post(client, hotel, 2, temperature="45").status_code == 422
    answer = _post(client, hotel, 3)
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert not VenueVisit.objects.filter(venue=hotel).exists()


def test_a_repeat_counts_and_a_limited_repeat_writes_nothing(hotel, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", "ip=0,key=2,window=1000000000")
    assert _post(client, hotel, 1).status_code == 201
    assert _post(client, hotel, 1).status_code == 200  # the same submission: the first registration
    assert _post(client, hotel, 2).status_code == 429  # the phone's third request in the window
    assert VenueVisit.objects.filter(venue=hotel).count() == 1


_names = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Lo", "Lu", "Ll", "Nd"]), min_size=1, max_size=50
)
_phones = st.builds(
    lambda head, tail: f"1{head}{tail:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1)
)
_temperatures = st.decimals(min_value="34.0", max_value="37.2", places=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one statement is PostgreSQL's")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_names, phone=_phones, temperature=_temperatures, key_area=st.booleans(), limited=st.booleans())
def test_the_one_statement_stores_what_the_orm_path_stores(
    hotel, monkeypatch, name, phone, temperature, key_area, limited
):
    """Every column of a registration stored by the prepared statement equals the ORM path's, and both refuse
    the same inputs with the same messages (validation is one function before either write)."""
    from fangkong.core import crypto

    monkeypatch.setenv("FANGKONG_RATE_RETURNEES_VENUE", "ip=100000,key=100000" if limited else "off")
    moment = timezone.now()
    answers = []
    for fast in (True, False):
        monkeypatch.setattr(venue_services, "one_statement", lambda fast=fast: fast)
        try:
            result = services.register_visit(
                actor=None,
                venue=hotel,
                name=name,
                phone=phone,
                temperature=temperature,
                key_area_14d=key_area,
                submission_id=f"h-{fast}-{moment.timestamp()}",
                now=moment,
                client_ip="10.1.2.3",
            )
        except ValidationError as exc:
            answers.append(("refused", exc.message_dict))
            continue
        assert result.created
        row = VenueVisit.objects.filter(pk=result.visit.pk).values().get()
        assert row["phone_enc"] == result.visit.phone_enc
        row["phone"] = crypto.decrypt(row.pop("phone_enc"))
        for column in ("id", "submission_id", "updated_at"):
            row.pop(column)
        answers.append(("stored", row))
    assert answers[0] == answers[1]
