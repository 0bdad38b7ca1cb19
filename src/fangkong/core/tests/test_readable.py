"""Pages read as their users speak: the audit log names objects and fields in Chinese (personal values stay
masked), the policies page writes times as people do, and every form label has no ASCII colon and marks
required fields."""

from __future__ import annotations

import random
import re

import pytest
from django.urls import reverse

from fangkong.core.testing import make_id_number, make_phone
from fangkong.registry.models import Household, Resident
from fangkong.registry.services import add_resident, save_record


def test_audit_log_names_objects_and_fields(world, as_persona):
    rng = random.Random(4001)
    household = Household(building=world.building_a, room="303")
    save_record(actor=world.staff_a, obj=household)
    household.note = "改"
    save_record(actor=world.staff_a, obj=household)
    id_number, phone = make_id_number(rng), make_phone(rng)
    add_resident(
        actor=world.staff_a,
        household=household,
        name="张三",
        id_number=id_number,
        phone=phone,
        relation="head",
    )
    body = as_persona("auditor").get(reverse("audit_log")).content.decode()
    # objects by kind and name (with their neighborhood), not registry.household #12
    table = body[body.index("<table") :]
    assert "registry.household" not in table and "registry.resident" not in table
    assert "住户 安汾小区1号303室" in body or "住户 " + str(household) in body
    assert f"居民 张三（{world.hood_a.name}）" in body
    # changes as field: before → after, by Chinese field names
    assert "<b>备注</b>：— → 改" in body
    assert "<b>与户主关系</b>：户主" in body
    # personal values stay masked
    resident = Resident.objects.get(name="张三")
    assert id_number not in body and phone not in body
    assert resident.id_number_masked in body
    # the filter names object types in Chinese
    assert re.search(r'<option value="registry.household"[^>]*>住户</option>', body)


def test_policies_page_writes_times_as_people_do(world, as_persona):
    body = as_persona("hq").get(reverse("policies")).content.decode()
    assert "2020-02-09 24:00" in body and "2020-02-09T24:00" not in body
    # and the form takes the same spelling
    answer = as_persona("hq").post(
        reverse("policies"),
        {"key": "earliest_resumption", "value": "2020-02-17 24:00", "effective_from": "2020-02-01"},
    )
    assert answer.status_code == 302
    body = as_persona("hq").get(reverse("policies")).content.decode()
    assert "2020-02-17 24:00" in body and "T24:00" not in body


FORM_PAGES = [
    ("registry:residents_add", {}),
    ("registry:households_add", {}),
    ("registry:neighborhoods_add", {}),
    ("policies", {}),
    ("password_change", {}),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name,kwargs", FORM_PAGES)
def test_form_labels_have_no_colon_and_mark_required_fields(world, as_persona, name, kwargs, language):
    client = as_persona("hq")
    client.cookies["django_language"] = language
    body = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", body, flags=re.S)
    assert labels, "no form on the page"
    for label in labels:
        text = re.sub(r"<[^>]+>", "", label).strip()
        assert not text.endswith(":"), (name, text)
    for field_id in re.findall(
        r'<(?:input|select|textarea)[^>]*\brequired\b[^>]*\bid="([^"]+)"', body
    ) + re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"[^>]*\brequired\b', body):
        label = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', body, flags=re.S)
        assert label and 'class="req"' in label.group(1), (name, field_id)
