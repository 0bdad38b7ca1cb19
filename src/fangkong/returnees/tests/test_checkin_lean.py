"""The public venue check-in under a surge: two SQL statements per registration once the venue and fever line
are cached (the rate limiter's counter upsert and the INSERT), no audit rows for an anonymous registration (the row is the record), and the cache follows
changes (at once in this process, within the TTL elsewhere)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

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
