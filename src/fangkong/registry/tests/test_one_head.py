"""One 户主 per household: a database constraint, and a clear message on the form, the API and imports."""

from __future__ import annotations

import random

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fangkong.core.spreadsheets import preview_import, run_import
from fangkong.core.testing import make_id_number
from fangkong.registry.choices import Relation
from fangkong.registry.imports import HOUSEHOLDS
from fangkong.registry.models import HEAD_TAKEN, Resident
from fangkong.registry.services import set_personal
from fangkong.registry.tests.test_imports import HEADERS, resident_row, xlsx


def _resident(world, relation, name="李四"):
    r = Resident(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        household=world.household_a,
        name=name,
        relation=relation,
    )
    set_personal(r, {"id_number": make_id_number(), "phone": ""})
    return r


@pytest.mark.django_db(transaction=True)
def test_database_refuses_a_second_head(world):
    assert world.household_a.residents.filter(relation=Relation.HEAD).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        _resident(world, Relation.HEAD).save()
    _resident(world, Relation.SPOUSE).save()  # any other relation is fine
    assert world.household_a.residents.count() == 2


def test_add_resident_form_starts_empty_and_refuses_a_second_head(world, as_persona):
    client = as_persona("staff_a")
    url = reverse("registry:residents_add") + f"?household={world.household_a.pk}"
    page = client.get(url).content.decode()
    assert '<option value="" selected>---------</option>' in page  # not 户主 by default
    empty = world.household_b  # a household without a head still starts on 户主
    empty.residents.update(relation=Relation.CHILD)
    page_b = as_persona("staff_b").get(reverse("registry:residents_add") + f"?household={empty.pk}")
    assert 'value="head" selected' in page_b.content.decode()
    data = {
        "household": world.household_a.pk,
        "name": "王五",
        "doc_type": "resident_id",
        "id_number": make_id_number(random.Random(1005)),
        "relation": "head",
    }
    before = Resident.objects.count()
    answer = client.post(reverse("registry:residents_add"), data)
    assert answer.status_code == 200 and str(HEAD_TAKEN) in answer.content.decode()
    assert Resident.objects.count() == before
    answer = client.post(reverse("registry:residents_add"), {**data, "relation": ""})
    assert answer.status_code == 200 and Resident.objects.count() == before
    answer = client.post(reverse("registry:residents_add"), {**data, "relation": "spouse"})
    assert answer.status_code == 302 and Resident.objects.count() == before + 1


def test_api_refuses_a_second_head(world, as_persona):
    client = as_persona("staff_a")
    url = f"/api/v1/registry/households/{world.household_a.pk}/residents"
    body = {"name": "王五", "id_number": make_id_number(random.Random(1006))}
    answer = client.post(url, body, content_type="application/json")  # relation defaults to 户主
    assert answer.status_code in (409, 422) and str(HEAD_TAKEN) in answer.json()["detail"]
    ok = client.post(url, {**body, "relation": "child"}, content_type="application/json")
    assert ok.status_code == 201


def test_import_reports_a_second_head_as_a_row_error(world, tmp_path):
    rng = random.Random(1007)
    hood = world.hood_a.name
    rows = [
        resident_row(hood, "201", rng=rng, 与户主关系="户主"),
        resident_row(hood, "201", rng=rng, 与户主关系="配偶"),
        resident_row(hood, "201", rng=rng, 与户主关系="户主"),  # a second 户主 in the file
        resident_row(hood, "202", rng=rng, 与户主关系="户主"),
    ]
    report = preview_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, rows), actor=world.staff_a)
    assert [(e.row, e.column) for e in report.errors] == [(4, "与户主关系")], [
        e.message for e in report.errors
    ]
    assert str(HEAD_TAKEN) in report.errors[0].message


def test_import_respects_the_registered_head_and_a_handover_in_file_order(world, tmp_path):
    from fangkong.core import crypto

    head = world.household_a.residents.get(relation=Relation.HEAD)
    building = world.household_a.building
    place = {"小区": building.compound.name, "楼号": building.name}
    hood = world.hood_a.name
    room = world.household_a.room
    rng = random.Random(1008)
    new_head = resident_row(hood, room, rng=rng, 与户主关系="户主", **place)
    report = preview_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, [new_head]), actor=world.staff_a)
    assert [(e.row, e.column) for e in report.errors] == [(2, "与户主关系")]
    # The file first moves the registered head to 配偶, then names the new head: accepted and written.
    old_id = crypto.decrypt(head.id_number_enc)
    demote = resident_row(hood, room, rng=rng, 姓名=head.name, 证件号码=old_id, 与户主关系="配偶", **place)
    demote[7] = crypto.decrypt(head.phone_enc) if head.phone_enc else ""
    path = xlsx(tmp_path, HEADERS, [demote, new_head], name="handover.xlsx")
    report = run_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert report.ok, report.errors
    heads = list(world.household_a.residents.filter(relation=Relation.HEAD).values_list("name", flat=True))
    assert heads == ["张三"]
    head.refresh_from_db()
    assert head.relation == Relation.SPOUSE
