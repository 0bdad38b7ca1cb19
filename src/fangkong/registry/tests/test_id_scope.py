""" "该证件号码已登记" answers only for an ID registered in the user's scope; an ID registered outside it gets
the answer an unknown ID gets, and the new registration is flagged for HQ to resolve (audited)."""

from __future__ import annotations

import random

from django.urls import reverse

from fangkong.core import crypto
from fangkong.core.models import AuditEvent
from fangkong.core.testing import make_id_number
from fangkong.registry.models import Resident


def _id_of(world) -> str:
    resident = world.household_a.residents.first()
    return crypto.decrypt(resident.id_number_enc)


def _form(household, id_number, name="赵六"):
    return {
        "household": household.pk,
        "name": name,
        "doc_type": "resident_id",
        "id_number": id_number,
        "relation": "child",
    }


def test_outside_scope_the_answer_is_that_of_an_unknown_id(world, as_persona):
    client = as_persona("staff_b")
    add = reverse("registry:residents_add")
    unknown = client.post(add, _form(world.household_b, make_id_number(random.Random(2001)), "钱七"))
    taken_elsewhere = client.post(add, _form(world.household_b, _id_of(world)))
    assert unknown.status_code == taken_elsewhere.status_code == 302
    flagged = Resident.objects.get(name="赵六")
    assert flagged.id_duplicate and not Resident.objects.get(name="钱七").id_duplicate
    page = client.get(taken_elsewhere["Location"]).content.decode()
    assert "已登记" not in page and "待核" not in page
    # staff B's audit log shows an ordinary creation, nothing about the other registration
    log = client.get(reverse("audit_log")).content.decode()
    assert "待街道核实" not in log
    # HQ sees it, audited, and resolves it
    hq = as_persona("hq")
    assert AuditEvent.objects.filter(object_id=str(flagged.pk), note__contains="待街道核实").exists()
    listing = hq.get(reverse("registry:duplicates")).content.decode()
    assert "赵六" in listing and "钱七" not in listing
    assert as_persona("staff_b").get(reverse("registry:duplicates")).status_code == 404
    assert hq.post(reverse("registry:duplicates"), {"resident": flagged.pk}).status_code == 302
    assert not Resident.objects.filter(pk=flagged.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(flagged.pk)).exists()


def test_inside_scope_the_duplicate_is_named(world, as_persona):
    client = as_persona("staff_a")
    before = Resident.objects.count()
    answer = client.post(reverse("registry:residents_add"), _form(world.household_a, _id_of(world)))
    assert answer.status_code == 200 and "该证件号码已登记" in answer.content.decode()
    assert Resident.objects.count() == before


def test_api_answers_like_an_unknown_id_outside_scope(world, as_persona):
    id_number = _id_of(world)
    outside = as_persona("other_hq").post(
        f"/api/v1/registry/households/{world.household_c.pk}/residents",
        {"name": "孙八", "id_number": id_number, "relation": "child"},
        content_type="application/json",
    )
    assert outside.status_code == 201 and Resident.objects.get(name="孙八").id_duplicate
    inside_b = as_persona("staff_b").post(
        f"/api/v1/registry/households/{world.household_b.pk}/residents",
        {"name": "周九", "id_number": id_number, "relation": "child"},
        content_type="application/json",
    )
    assert inside_b.status_code == 201  # hood A is outside staff B's scope
    inside = as_persona("staff_a").post(
        f"/api/v1/registry/households/{world.household_a.pk}/residents",
        {"name": "吴十", "id_number": id_number, "relation": "child"},
        content_type="application/json",
    )
    assert inside.status_code in (409, 422) and "已登记" in inside.json()["detail"]
