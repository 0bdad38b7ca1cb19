"""The census import: preview with row errors, dedup by credit code, likely duplicates by name and address,
premises and zone mapping; and the merge of a likely duplicate."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.cn import uscc

from fangkong.core.spreadsheets import ImportRefused, preview_import, run_import
from fangkong.inspections import services
from fangkong.inspections.imports import CensusFormat
from fangkong.inspections.models import DuplicatePair, Firm, ZoneRule
from fangkong.registry.demo import credit_code

pytestmark = pytest.mark.django_db
HEADERS = ["单位详细名称", "统一社会信用代码", "单位地址", "行业代码", "法定代表人", "联系电话", "从业人员"]


def sheet(tmp_path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    path = tmp_path / "census.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def codes():
    rng, used = random.Random(3), set()
    return [credit_code(rng, "91", "310109", used) for _ in range(5)]


@pytest.fixture
def boundary(world, zones):
    north, south = zones
    ZoneRule.objects.create(subdistrict=world.sub, road="万安路", parity="odd", zone=north)
    ZoneRule.objects.create(subdistrict=world.sub, road="万安路", parity="even", zone=south)
    return north, south


def test_preview_reports_bad_codes_and_writes_nothing(world, tmp_path, codes):
    bad = codes[0][:-1] + ("0" if codes[0][-1] != "0" else "1")
    path = sheet(
        tmp_path,
        [
            ["甲公司", bad, "万安路1号", "I6510", "", "", 3],
            ["乙公司", codes[1], "万安路2号", "Z99", "", "", 3],
        ],
    )
    report = preview_import(CensusFormat(), path, actor=world.hq)
    assert {(p.row, p.column) for p in report.errors} == {(2, "统一社会信用代码"), (3, "行业代码")}
    with pytest.raises(ImportRefused):
        run_import(CensusFormat(), path, actor=world.hq)
    assert not Firm.objects.exists()


def test_import_dedups_and_maps_zones(world, tmp_path, codes, boundary):
    north, south = boundary
    world.org_a.credit_code = codes[2]
    world.org_a.save()
    path = sheet(
        tmp_path,
        [
            ["上海蓝桥科技有限公司", codes[0], "万安路11号", "I6510", "张三", "", 12],
            ["上海蓝桥科技有限公司", codes[0], "万安路11号", "I6510", "张三", "", 12],  # same code again
            ["蓝桥科技有限责任公司", "", "上海市万安路１１号", "", "", "", 12],  # likely duplicate
            ["银康", codes[2], "万安路2号", "Q8514", "", "", 40],  # the registry's organisation
            ["丙商行", codes[3], "沽源路5号", "F5211", "", "", 2],
        ],
    )
    report = run_import(CensusFormat(), path, actor=world.hq)
    assert report.ok, report.errors
    assert report.counts["create"] == 3 and report.counts["update"] == 1 and report.counts["unchanged"] == 1
    firms = {f.organization.name: f for f in Firm.objects.select_related("organization")}
    assert len(firms) == 4 and "银康" not in firms
    assert firms["上海蓝桥科技有限公司"].organization.patrol_zone == north
    assert firms[world.org_a.name].organization_id == world.org_a.pk  # linked, not a second registry row
    assert firms["丙商行"].organization.patrol_zone is None
    pair = DuplicatePair.objects.get()
    assert {pair.firm_id, pair.other_id} == {
        firms["上海蓝桥科技有限公司"].pk,
        firms["蓝桥科技有限责任公司"].pk,
    }
    # a second run of the same file adds nothing
    again = run_import(CensusFormat(), path, actor=world.hq)
    assert again.counts["create"] == 0 and again.counts["unchanged"] == 5
    assert Firm.objects.count() == 4
    services.decide_duplicate(actor=world.hq, pair=pair, merge=True)
    assert Firm.objects.get(pk=pair.other_id).merged_into_id == pair.firm_id


def test_staff_may_not_import(world):
    assert not CensusFormat().allowed(world.staff_a)
    assert CensusFormat().allowed(world.hq)


def test_a_codeless_duplicate_of_a_linked_registry_firm_in_the_same_file_is_paired(world, tmp_path, codes):
    """Rows are written in file order: the registry's organisation linked by its credit code comes first, and
    the code-less row with the same name and address after it is recorded as a likely duplicate."""
    world.org_a.credit_code = codes[2]
    world.org_a.save()
    path = sheet(
        tmp_path,
        [
            ["银康老年公寓", codes[2], "万安路2号", "Q8514", "", "", 40],  # links the registry's organisation
            ["银康老年公寓", "", "万安路2号", "", "", "", 40],  # the same firm again, without a code
        ],
    )
    report = run_import(CensusFormat(), path, actor=world.hq)
    assert report.ok, report.errors
    linked = Firm.objects.get(organization=world.org_a)
    pair = DuplicatePair.objects.get()
    assert linked.pk in {pair.firm_id, pair.other_id}


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ", min_size=16, max_size=19),
        st.text(max_size=20),
        st.from_regex(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{9}", fullmatch=True).map(
            lambda p: p + uscc.calc_check_digit(p)
        ),
    )
)
def test_the_credit_code_check_agrees_with_stdnum(code):
    from fangkong.inspections.services.firms import uscc_valid

    folded = code.upper().replace(" ", "").replace("-", "")
    assert uscc_valid(folded) == uscc.is_valid(folded)
