"""Visits (四进巡查): the draft saved step by step, photos (resized to at most 1,280 px), the idempotent
submit, and the firm's status after an early opening or a dissuasion; the counts page's query count."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from fangkong.inspections import services
from fangkong.inspections.choices import FirmStatus, VisitState
from fangkong.inspections.models import Firm, Visit, VisitPhoto

pytestmark = pytest.mark.django_db


def jpeg(width, height):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def firm(world):
    return Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a)


def test_visit_flow_dissuades_and_sets_a_follow_up(world, firm):
    visit, created = services.start_visit(
        actor=world.staff_a, firm=firm, client_token="tok-1", team="北片巡察队"
    )
    again, created_again = services.start_visit(actor=world.staff_a, firm=firm, client_token="tok-1")
    assert created and not created_again and again.pk == visit.pk
    services.save_visit_step(
        actor=world.staff_a,
        visit=visit,
        step=1,
        data={"seen": True, "finding": "门口有登记"},
        photo=jpeg(3000, 2000),
    )
    photo = VisitPhoto.objects.get(visit=visit)
    assert max(photo.width, photo.height) == 1280
    assert Image.open(io.BytesIO(bytes(photo.image))).format == "JPEG"
    services.save_visit_step(
        actor=world.staff_a,
        visit=visit,
        step=5,
        data={"forms_handed": 20, "notices_posted": 2, "disinfection": True},
    )
    services.save_visit_step(
        actor=world.staff_a,
        visit=visit,
        step=6,
        data={"open_early": True, "dissuaded": True, "signature": "signed"},
    )
    submitted, first = services.submit_visit(actor=world.staff_a, visit=visit)
    _, second = services.submit_visit(actor=world.staff_a, visit=visit)
    assert first and not second and submitted.state == VisitState.SUBMITTED
    firm.refresh_from_db()
    assert firm.status == FirmStatus.DISSUADED
    assert firm.follow_up_due == visit.day + __import__("datetime").timedelta(days=3)
    assert firm.changes.count() == 2  # early, then dissuaded: each transition audited once


def test_dissuasion_needs_an_opening_and_a_signature(world, firm):
    from django.core.exceptions import ValidationError

    visit, _ = services.start_visit(actor=world.hq, firm=firm, client_token="tok-2")
    with pytest.raises(ValidationError):
        services.save_visit_step(
            actor=world.hq, visit=visit, step=6, data={"dissuaded": True, "signature": "signed"}
        )
    with pytest.raises(ValidationError):
        services.save_visit_step(
            actor=world.hq, visit=visit, step=6, data={"open_early": True, "dissuaded": True}
        )


def test_pages_double_submit_and_photo_data_url(world, firm, client):
    client.force_login(world.staff_a)
    for _ in range(2):  # a double tap on "start"
        response = client.post("/inspections/visits/new/", {"firm": firm.pk, "client_token": "page-token"})
        assert response.status_code == 302
    visit = Visit.objects.get()
    data_url = "data:image/jpeg;base64," + base64.b64encode(jpeg(640, 480)).decode()
    response = client.post(f"/inspections/visits/{visit.pk}/step/2/", {"seen": "on", "photo_data": data_url})
    assert response.status_code == 302 and response["Location"].endswith("/step/3/")
    photo = VisitPhoto.objects.get()
    assert client.get(f"/inspections/visits/{visit.pk}/photos/{photo.pk}.jpg")["Content-Type"] == "image/jpeg"
    for _ in range(2):
        assert client.post(f"/inspections/visits/{visit.pk}/step/7/").status_code == 302
    assert Visit.objects.get().state == VisitState.SUBMITTED
    # another neighborhood's staff cannot see it
    client.force_login(world.staff_b)
    assert client.get(f"/inspections/visits/{visit.pk}/").status_code == 404


def test_counts_page_query_count_is_constant(world, client, django_assert_max_num_queries):
    from fangkong.registry.models import Organization

    def grow(n, start):
        orgs = Organization.objects.bulk_create(
            [Organization(subdistrict=world.sub, name=f"企业{start + i}") for i in range(n)]
        )
        firms = Firm.objects.bulk_create(
            [Firm(subdistrict=world.sub, organization=o, name_key=o.name) for o in orgs]
        )
        Visit.objects.bulk_create(
            [
                Visit(
                    subdistrict=world.sub,
                    firm=f,
                    day=f.created_at.date(),
                    client_token=f"c{f.pk}",
                    state="submitted",
                    forms_handed=2,
                    open_early=True,
                    dissuaded=i % 3 == 0,
                    signature="signed",
                )
                for i, f in enumerate(firms)
            ]
        )

    client.force_login(world.hq)
    grow(200, 0)
    with django_assert_max_num_queries(40) as small:
        assert client.get("/inspections/counts/").status_code == 200
    grow(1800, 200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/inspections/counts/").status_code == 200
