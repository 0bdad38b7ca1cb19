"""Pages offer only what the user may do: the "＋ 新增", "编辑" and "＋ 添加居民" buttons appear exactly when the
page behind them answers (the buttons and the pages ask the same predicates in registry.access)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.registry import access
from fangkong.registry import models as m
from fangkong.registry.views import OBJECT_TYPES

PERSONAS = ("hq", "staff_a", "cadre", "org_contact", "office", "viewer", "auditor")


def test_staff_are_not_offered_a_new_neighborhood(world, as_persona):
    """Issue: committee staff saw "＋ 新增居民区", and saving it lost their input (the save was refused)."""
    client = as_persona("staff_a")
    add = reverse("registry:neighborhoods_add")
    page = client.get(reverse("registry:neighborhoods_list")).content.decode()
    assert add not in page and "新增居民区" not in page
    assert client.get(add).status_code == 404
    assert client.post(add, {"name": "新居民区", "code": "99"}).status_code == 404
    assert not access.may_add_neighborhood(world.staff_a) and access.may_add_neighborhood(world.hq)
    # their own neighborhood's record stays editable (address, phone)
    assert access.may_edit(world.staff_a, world.hood_a) and not access.may_edit(world.staff_a, world.hood_b)


@pytest.mark.parametrize("persona", PERSONAS)
def test_add_buttons_match_add_pages(world, as_persona, persona):
    client = as_persona(persona)
    for ot in OBJECT_TYPES:
        add = reverse(f"registry:{ot.slug}_add")
        offered = f'href="{add}"' in client.get(reverse(f"registry:{ot.slug}_list")).content.decode()
        status = client.get(add).status_code
        assert status == (200 if offered else 404), (persona, ot.slug, offered, status)
        assert offered == access.may_add(getattr(world, persona), ot.model)


@pytest.mark.parametrize("persona", PERSONAS)
def test_edit_and_add_resident_buttons_match_their_pages(world, as_persona, persona):
    client = as_persona(persona)
    user = getattr(world, persona)
    for slug, obj in (
        ("neighborhoods", world.hood_a),
        ("compounds", world.compound_a),
        ("buildings", world.building_a),
        ("households", world.household_a),
        ("residents", world.household_a.residents.first()),
    ):
        detail = client.get(reverse(f"registry:{slug}_detail", args=[obj.pk]))
        if detail.status_code == 404:
            continue
        edit = reverse(f"registry:{slug}_edit", args=[obj.pk])
        offered = f'href="{edit}"' in detail.content.decode()
        assert client.get(edit).status_code == (200 if offered else 404), (persona, slug)
        assert offered == access.may_edit(user, obj)
    page = client.get(reverse("registry:households_detail", args=[world.household_a.pk]))
    if page.status_code == 200:
        add = reverse("registry:residents_add") + f"?household={world.household_a.pk}"
        offered = add in page.content.decode()
        assert offered == access.may_add_resident(user, world.household_a)
        assert client.get(add).status_code == (200 if offered else 404)


def test_api_asks_the_same_predicates(world, as_persona):
    assert not access.may_add_resident(world.auditor, world.household_a)
    answer = as_persona("auditor").post(
        f"/api/v1/registry/households/{world.household_a.pk}/residents",
        {"name": "王五", "id_number": "110101199003074514"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert m.Resident.objects.filter(name="王五").count() == 0
