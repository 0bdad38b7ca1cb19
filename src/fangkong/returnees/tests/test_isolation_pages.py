"""Starting an isolation by hand from the declaration page (home or central), and extending it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.core.services import set_policy
from fangkong.returnees import services
from fangkong.returnees.models import Isolation

pytestmark = pytest.mark.django_db


@pytest.fixture
def green(world, make_input):
    """A returnee from Shanghai itself, no key area: classified green, not isolated."""
    result = services.declare_return(
        actor=world.staff_a, data=make_input(origin_code="310101", transport_number="G7001")
    )
    assert result.declaration.risk_level == "green" and result.isolation is None
    return result.declaration


def _post(start=None, mode="central"):
    return {"mode": mode, "start_date": (start or timezone.localdate()).isoformat()}


@pytest.mark.parametrize(
    "persona, status",
    [
        ("hq", 302),
        ("staff_a", 302),
        ("cadre", 302),
        ("staff_b", 404),
        ("org_contact", 404),
        ("other_hq", 404),
    ],
)
def test_start_isolation_by_persona(green, as_persona, persona, status):
    url = reverse("returnees:declaration_isolate", args=[green.pk])
    response = as_persona(persona).post(url, _post())
    assert response.status_code == status
    assert Isolation.objects.filter(declaration=green).count() == (1 if status == 302 else 0)


def test_anonymous_is_sent_to_login(green, as_persona):
    response = as_persona("anonymous").post(
        reverse("returnees:declaration_isolate", args=[green.pk]), _post()
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Isolation.objects.exists()


def test_read_only_personas_cannot_start(green, world):
    from fangkong.project.testing import client_for

    for persona in ("viewer", "auditor"):
        client = client_for(persona, world)
        page = client.get(reverse("returnees:declaration_detail", args=[green.pk]))
        assert page.status_code == 200 and "isolate-form" not in page.content.decode()
        url = reverse("returnees:declaration_isolate", args=[green.pk])
        assert client.post(url, _post()).status_code == 404
    assert not Isolation.objects.exists()


def test_central_isolation_end_comes_from_the_policy(green, world, as_persona):
    today = timezone.localdate()
    set_policy(
        actor=world.hq,
        subdistrict_id=world.sub.pk,
        key="isolation_days",
        value=21,
        effective_from=today - dt.timedelta(days=30),
    )
    client = as_persona("staff_a")
    page = client.get(reverse("returnees:declaration_detail", args=[green.pk])).content.decode()
    assert "isolate-form" in page and "21 天" in page
    start = today - dt.timedelta(days=1)
    response = client.post(reverse("returnees:declaration_isolate", args=[green.pk]), _post(start))
    iso = Isolation.objects.get(declaration=green)
    assert response["Location"] == reverse("returnees:isolation_detail", args=[iso.pk])
    assert iso.mode == "central" and iso.start_date == start
    assert iso.end_date == iso.planned_end_date == start + dt.timedelta(days=21)
    assert AuditEvent.objects.filter(object_type="returnees.isolation", action="create").count() == 1
    # The personal report link is shown once on the isolation page, and it works.
    detail = client.get(response["Location"]).content.decode()
    assert "/returnees/p/r/" in detail
    token = detail.split("/returnees/p/r/")[1].split("/")[0]
    assert services.isolation_for_token(token).pk == iso.pk
    # With an isolation running, the page no longer offers to start one; a second start is refused.
    again = client.get(reverse("returnees:declaration_detail", args=[green.pk])).content.decode()
    assert "isolate-form" not in again
    refused = client.post(reverse("returnees:declaration_isolate", args=[green.pk]), _post(), follow=True)
    assert "已有进行中的隔离" in refused.content.decode() and Isolation.objects.count() == 1


@pytest.mark.parametrize(
    "post, message",
    [
        ({"mode": "central", "start_date": "2099-01-01"}, "不能在未来"),
        ({"mode": "hotel", "start_date": "2020-02-01"}, "请选择隔离方式"),
        ({"mode": "home", "start_date": "not-a-date"}, "请选择隔离方式"),
    ],
)
def test_bad_start_changes_nothing(green, as_persona, post, message):
    client = as_persona("staff_a")
    response = client.post(reverse("returnees:declaration_isolate", args=[green.pk]), post, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Isolation.objects.exists()


def test_start_before_arrival_is_refused(green, as_persona):
    client = as_persona("staff_a")
    before = green.arrival_date - dt.timedelta(days=1)
    response = client.post(
        reverse("returnees:declaration_isolate", args=[green.pk]), _post(before), follow=True
    )
    assert "不能早于抵沪日期" in response.content.decode() and not Isolation.objects.exists()


def test_extend_from_the_isolation_page_never_shortens(green, as_persona):
    client = as_persona("staff_a")
    client.post(reverse("returnees:declaration_isolate", args=[green.pk]), _post(mode="home"))
    iso = Isolation.objects.get()
    page = client.get(reverse("returnees:isolation_detail", args=[iso.pk])).content.decode()
    assert reverse("returnees:isolation_action", args=[iso.pk, "extend"]) in page
    url = reverse("returnees:isolation_action", args=[iso.pk, "extend"])
    later = iso.end_date + dt.timedelta(days=7)
    client.post(url, {"new_end_date": later.isoformat(), "note": "复查"})
    iso.refresh_from_db()
    assert iso.end_date == later
    shorter = client.post(url, {"new_end_date": (later - dt.timedelta(days=3)).isoformat()}, follow=True)
    assert "不能缩短" in shorter.content.decode()
    iso.refresh_from_db()
    assert iso.end_date == later
