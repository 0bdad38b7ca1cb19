"""Formula injection: the screening list export writes text that looks like a formula as text, and
re-imports unchanged, with and without the reveal permission."""

from __future__ import annotations

import random

import pytest

from fangkong.core.spreadsheets import get_format, preview_import, run_import, write_xlsx
from fangkong.core.testing import FORMULA_PAYLOADS, make_id_number, xlsx_texts
from fangkong.returnees.models import Declaration
from fangkong.returnees.tests.test_imports import _row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["hq", "staff_a"])
def test_screening_list(world, tmp_path, persona):
    fmt = get_format("returnees-screening")
    rng = random.Random(31)
    rows = [
        _row(make_id_number(rng), name=payload, emp=payload, key="否", mem="") for payload in FORMULA_PAYLOADS
    ]
    source = tmp_path / "in.xlsx"
    write_xlsx(fmt, rows, source)  # escaped as an export is: the import reads the texts back verbatim
    assert run_import(fmt, source, actor=world.staff_a).counts["create"] == len(FORMULA_PAYLOADS)
    stored = list(Declaration.objects.values_list("name", "employer_name"))
    assert sorted(n for n, _e in stored) == sorted(p.strip() for p in FORMULA_PAYLOADS)  # names are trimmed
    user = getattr(world, persona)
    path = tmp_path / "export.xlsx"
    write_xlsx(fmt, fmt.export_rows(user, fmt.export_queryset(user)), path)
    texts = xlsx_texts(path)
    assert all(name in texts and employer in texts for name, employer in stored)
    report = preview_import(fmt, path, actor=user)
    assert report.ok, [(e.row, e.column, e.message) for e in report.errors]
    assert set(report.counts) == {"unchanged"}, report.counts
