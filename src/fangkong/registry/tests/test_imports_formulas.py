"""Formula injection: every registry export writes text that looks like a formula as text, and re-imports it
unchanged (the four formats, with and without the reveal permission)."""

from __future__ import annotations

import random

import pytest

from fangkong.core.spreadsheets import preview_import, write_xlsx
from fangkong.core.testing import FORMULA_PAYLOADS, make_id_number, make_phone, xlsx_texts
from fangkong.registry.imports import CADRES, HOUSEHOLDS, ORGANIZATIONS, VOLUNTEERS
from fangkong.registry.models import Organization, Resident, SupportCadre, Volunteer
from fangkong.registry.services import set_personal


def _export_and_reimport(fmt, user, tmp_path):
    path = tmp_path / f"{fmt.slug}-{user.username}.xlsx"
    write_xlsx(fmt, fmt.export_rows(user, fmt.export_queryset(user)), path)
    texts = xlsx_texts(path)  # no formula cell, no text cell starting with = + - @ tab CR
    report = preview_import(fmt, path, actor=user)
    assert report.ok, [(e.row, e.column, e.message) for e in report.errors]
    assert set(report.counts) == {"unchanged"}, report.counts
    return texts


@pytest.mark.parametrize("persona", ["hq", "staff_a"])
def test_households(world, tmp_path, persona):
    rng = random.Random(21)
    for payload in FORMULA_PAYLOADS:
        resident = Resident(
            subdistrict=world.sub,
            neighborhood=world.hood_a,
            household=world.household_a,
            name=payload,
            note=payload,
            relation="child",  # the household has its 户主 already
        )
        set_personal(resident, {"id_number": make_id_number(rng), "phone": make_phone(rng)})
        resident.save()
    texts = _export_and_reimport(HOUSEHOLDS, getattr(world, persona), tmp_path)
    assert all(texts.count(p) == 2 for p in FORMULA_PAYLOADS)


@pytest.mark.parametrize("persona", ["hq", "staff_a"])
def test_organizations(world, tmp_path, persona):
    rng = random.Random(22)
    for payload in FORMULA_PAYLOADS:
        org = Organization(
            subdistrict=world.sub,
            neighborhood=world.hood_a,
            name="单位" + payload,
            kind="enterprise",
            industry=payload,
            address=payload,
            contact_name=payload,
        )
        set_personal(org, {"contact_phone": make_phone(rng)})
        org.save()
    texts = _export_and_reimport(ORGANIZATIONS, getattr(world, persona), tmp_path)
    assert all(texts.count(p) == 3 for p in FORMULA_PAYLOADS)


def test_cadres(world, tmp_path):
    rng = random.Random(23)
    for payload in FORMULA_PAYLOADS:
        cadre = SupportCadre(subdistrict=world.sub, department=world.dept, name=payload, skills=payload)
        set_personal(cadre, {"phone": make_phone(rng)})
        cadre.save()
    texts = _export_and_reimport(CADRES, world.hq, tmp_path)
    assert all(texts.count(p) == 2 for p in FORMULA_PAYLOADS)


@pytest.mark.parametrize("persona", ["hq", "staff_a"])
def test_volunteers(world, tmp_path, persona):
    rng = random.Random(24)
    for payload in FORMULA_PAYLOADS:
        volunteer = Volunteer(
            subdistrict=world.sub,
            neighborhood=world.hood_a,
            name=payload,
            skills=payload,
            availability=payload,
        )
        set_personal(volunteer, {"phone": make_phone(rng)})
        volunteer.save()
    texts = _export_and_reimport(VOLUNTEERS, getattr(world, persona), tmp_path)
    assert all(texts.count(p) == 3 for p in FORMULA_PAYLOADS)
