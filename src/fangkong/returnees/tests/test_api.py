import json

import pytest

from fangkong.core.models import AuditEvent
from fangkong.returnees import services
from fangkong.returnees.models import Declaration, HealthReport, VenueVisit

pytestmark = pytest.mark.django_db
API = "/api/v1/returnees"


@pytest.mark.parametrize("path", ["/declarations", "/isolations", "/board", "/figures"])
@pytest.mark.parametrize(
    "persona, status",
    [("hq", 200), ("staff_a", 200), ("cadre", 200), ("org_contact", 404), ("anonymous", 401)],
)
def test_reads_by_persona(isolated, as_persona, path, persona, status):
    assert as_persona(persona).get(API + path).status_code == status


@pytest.mark.parametrize(
    "persona, status", [("hq", 200), ("staff_a", 200), ("staff_b", 404), ("other_hq", 404)]
)
def test_declaration_detail_scoped_and_audited(isolated, as_persona, persona, status):
    before = AuditEvent.objects.filter(action="read").count()
    response = as_persona(persona).get(f"{API}/declarations/{isolated.declaration.pk}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["id_number_masked"] and "id_number" not in body
        assert AuditEvent.objects.filter(action="read").count() == before + 1


def test_lists_are_scoped(isolated, as_persona):
    assert as_persona("staff_a").get(API + "/declarations").json()["count"] == 1
    assert as_persona("staff_b").get(API + "/declarations").json()["count"] == 0
    assert as_persona("staff_b").get(API + "/isolations").json()["count"] == 0


def test_create_and_merge(world, as_persona, make_input):
    data = make_input()
    payload = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.__dict__.items()}
    client = as_persona("staff_a")
    first = client.post(API + "/declarations", json.dumps(payload), content_type="application/json")
    assert first.status_code == 201 and first.json()["report_token"]
    second = client.post(API + "/declarations", json.dumps(payload), content_type="application/json")
    assert second.status_code == 200 and not second.json()["created"]
    assert Declaration.objects.count() == 1
    bad = client.post(
        API + "/declarations",
        json.dumps({**payload, "origin_code": "999999"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "999999" in bad.json()["detail"]
    other = as_persona("staff_b").post(
        API + "/declarations",
        json.dumps({**payload, "transport_number": "K1"}),
        content_type="application/json",
    )
    assert other.status_code == 404


def test_phone_report_scoped(isolated, as_persona):
    url = f"{API}/isolations/{isolated.isolation.pk}/reports"
    body = json.dumps({"temperature": "36.6"})
    assert as_persona("staff_b").post(url, body, content_type="application/json").status_code == 404
    assert as_persona("staff_a").post(url, body, content_type="application/json").status_code == 201
    assert as_persona("staff_a").post(url, body, content_type="application/json").status_code == 200


def test_public_report_and_checkin(isolated, world, client):
    url = f"{API}/public/report/{isolated.token}"
    response = client.post(url, json.dumps({"temperature": "37.5"}), content_type="application/json")
    assert response.status_code == 201 and response.json()["fever"]
    assert HealthReport.objects.get().fever
    assert (
        client.post(
            f"{API}/public/report/{'z' * 43}",
            json.dumps({"temperature": "36.5"}),
            content_type="application/json",
        ).status_code
        == 404
    )
    venue = services.ensure_venue(actor=world.hq, organization=world.org_b)
    checkin = f"{API}/public/checkin/{venue.code}"
    payload = {"name": "客人", "phone": "13812345678", "temperature": "36.4", "submission_id": "k1"}
    assert client.post(checkin, json.dumps(payload), content_type="application/json").status_code == 201
    assert client.post(checkin, json.dumps(payload), content_type="application/json").status_code == 200
    bad = client.post(
        checkin,
        json.dumps({**payload, "submission_id": "k2", "temperature": "43"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert VenueVisit.objects.count() == 1


@pytest.mark.parametrize(
    "persona, status", [("org_contact", 404), ("staff_b", 200), ("staff_a", 404), ("hq", 200)]
)
def test_venue_visits_scoped(world, as_persona, persona, status):
    venue = services.ensure_venue(actor=world.hq, organization=world.org_b)
    assert as_persona(persona).get(f"{API}/venues/{venue.pk}/visits").status_code == status


def test_figures(isolated, world, as_persona):
    from django.utils import timezone

    services.submit_report(actor=None, isolation=isolated.isolation, temperature="38.0")
    data = as_persona("hq").get(API + "/figures").json()
    row = data[str(world.hood_a.pk)]
    assert row["declared"] == 1 and row["in_isolation"] == 1 and row["fevers"] == 1
    assert data[str(world.hood_b.pk)]["declared"] == 0
    assert str(world.hood_a.pk) not in as_persona("staff_b").get(API + "/figures").json()
    from fangkong.returnees.selectors import returnee_figures

    assert returnee_figures(world.sub.pk, timezone.localdate())[world.hood_a.pk]["fevers"] == 1
