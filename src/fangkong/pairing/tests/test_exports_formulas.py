"""Formula injection: the pairing spreadsheets (coverage board, duty roster, the pairing and team-member
formats) write text that looks like a formula as text, and the two formats re-import their export unchanged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.core import spreadsheets
from fangkong.core.testing import FORMULA_PAYLOADS, make_phone, xlsx_texts
from fangkong.pairing import exports, services
from fangkong.pairing.imports import PAIRINGS, TEAM_MEMBERS
from fangkong.pairing.models import DutyPerson, Pairing, Point
from fangkong.registry.models import Neighborhood, SupportCadre
from fangkong.registry.services import set_personal

pytestmark = pytest.mark.django_db


def _cadres(pw):
    set_personal(pw.cadre_a, {"phone": make_phone()})  # the fixture's own cadre, paired to point A
    pw.cadre_a.save()
    cadres = []
    for i, payload in enumerate(FORMULA_PAYLOADS):
        cadre = SupportCadre(subdistrict=pw.w.sub, name=payload, department=pw.w.dept)
        set_personal(cadre, {"phone": f"1381234{i:04d}"})
        cadre.save()
        cadres.append(cadre)
    return cadres


def _reimport_unchanged(fmt, user, tmp_path):
    path = tmp_path / f"{fmt.slug}.xlsx"
    spreadsheets.write_xlsx(fmt, fmt.export_rows(user, fmt.export_queryset(user)), path)
    texts = xlsx_texts(path)
    report = spreadsheets.preview_import(fmt, path, actor=user)
    assert report.ok, [(e.row, e.column, e.message) for e in report.errors]
    assert set(report.counts) == {"unchanged"}, report.counts
    return texts


def test_pairings(pw, tmp_path):
    services.save_settings(actor=pw.w.hq, subdistrict=pw.w.sub, max_points_per_cadre=3)
    for cadre, payload in zip(_cadres(pw), FORMULA_PAYLOADS, strict=True):
        pairing = services.pair_cadre(actor=pw.w.hq, cadre=cadre, point=pw.point_a)
        Pairing.objects.filter(pk=pairing.pk).update(responsibility_note=payload)
    texts = _reimport_unchanged(PAIRINGS, pw.w.hq, tmp_path)
    assert all(texts.count(p) == 2 for p in FORMULA_PAYLOADS)


def test_team_members(pw, tmp_path):
    cadres = _cadres(pw)
    # create_team trims a team name, so teams are named by the trimmed payload and a number
    rows = [
        [f"{payload.strip()}{i}", pw.point_a.name, "下沉干部", cadre.name, f"1381234{i:04d}", ""]
        for i, (payload, cadre) in enumerate(zip(FORMULA_PAYLOADS, cadres, strict=True))
    ]
    source = tmp_path / "in.xlsx"
    spreadsheets.write_xlsx(TEAM_MEMBERS, rows, source)  # escaped as an export is: read back verbatim
    report = spreadsheets.run_import(TEAM_MEMBERS, source, actor=pw.w.hq)
    assert report.counts["create"] == len(FORMULA_PAYLOADS)
    texts = _reimport_unchanged(TEAM_MEMBERS, pw.w.hq, tmp_path)
    assert all(p in texts and f"{p.strip()}{i}" in texts for i, p in enumerate(FORMULA_PAYLOADS))


def test_coverage_board(pw, as_persona):
    for i, payload in enumerate(FORMULA_PAYLOADS):
        Neighborhood.objects.create(subdistrict=pw.w.sub, name=payload, code=f"F{i}")
    services.ensure_points(actor=pw.w.hq, subdistrict=pw.w.sub)
    for cadre, payload in zip(_cadres(pw), FORMULA_PAYLOADS, strict=True):
        services.pair_cadre(actor=pw.w.hq, cadre=cadre, point=Point.objects.get(neighborhood__name=payload))
    response = as_persona("hq").get(reverse("pairing:board") + "?format=xlsx")
    texts = xlsx_texts(response.content)
    assert all(texts.count(p) == 2 for p in FORMULA_PAYLOADS)  # the point and its one cadre


def test_duty_roster(roster_world):
    people = roster_world.people
    for person, payload in zip(people, FORMULA_PAYLOADS, strict=False):
        DutyPerson.objects.filter(pk=person.pk).update(name=payload)
    roster = services.solve_roster(actor=roster_world.w.hq, roster=roster_world.roster, time_limit=5)
    texts = xlsx_texts(exports.roster_xlsx(roster))
    assert set(FORMULA_PAYLOADS[: len(people)]) <= set(texts)
