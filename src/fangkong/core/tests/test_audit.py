import pytest
from django.urls import reverse

from fangkong.core import audit
from fangkong.core.models import AuditEvent
from fangkong.registry.models import Household
from fangkong.registry.services import save_record

pytestmark = pytest.mark.django_db


def test_service_writes_record_who_what_when_and_scope(world):
    household = Household(building=world.building_a, room="303")
    save_record(actor=world.staff_a, obj=household)
    event = AuditEvent.objects.get(
        action="create", object_type="registry.household", object_id=str(household.pk)
    )
    assert event.actor == world.staff_a
    assert event.subdistrict_id == world.sub.pk and event.neighborhood_id == world.hood_a.pk
    assert event.changes["room"] == "303"
    household.note = "改"
    save_record(actor=world.staff_a, obj=household)
    update = AuditEvent.objects.get(action="update", object_id=str(household.pk))
    assert update.changes == {"note": ["", "改"]}


@pytest.mark.parametrize(
    "persona,status",
    [
        ("hq", 200),
        ("staff_a", 200),
        ("staff_b", 200),
        ("auditor", 200),
        ("cadre", 404),
        ("org_contact", 404),
        ("anonymous", 302),
    ],
)
def test_audit_page_personas(world, as_persona, persona, status):
    assert as_persona(persona).get(reverse("audit_log")).status_code == status


def test_staff_see_only_their_scope_in_the_audit_log(world, as_persona):
    audit.record(actor=world.hq, action="update", obj=world.household_a, note="A-事件")
    audit.record(actor=world.hq, action="update", obj=world.household_b, note="B-事件")
    body_a = as_persona("staff_a").get(reverse("audit_log")).content.decode()
    assert "A-事件" in body_a and "B-事件" not in body_a
    body_hq = as_persona("hq").get(reverse("audit_log"), {"action": "update"}).content.decode()
    assert "A-事件" in body_hq and "B-事件" in body_hq
