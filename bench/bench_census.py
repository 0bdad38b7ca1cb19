"""The 四经普 census import against a bare parse of the same file, and the query counts of the daily call list
and the counts page as the firms grow.

- ``calamine_parse_s``: python-calamine opening the xlsx and handing every row to Python (the faster of a
  run before and a run after the import: the stricter baseline).
- ``import_s``: ``core.spreadsheets.run_import`` with the census format, the whole import as the page's
  commit runs it: parsing, validation (credit-code check digits, industry codes), dedup by credit code and
  likely duplicates by normalised name and address, premises matched from the address, the patrol zone from
  the boundary rows of 万安路 (road, number and side), exempt categories from the industry code, the
  registry organisations and the firm rows written through ``core.bulk.BulkWriter``, one audit event.
- ``preview_s``: ``core.spreadsheets.preview_import`` of the same file before the import: parsing and every
  check, no writes; ``preview_ratio`` is that over the bare parse (how much of the import is the checks).
- ``ratio`` = import_s / calamine_parse_s, goal <= 5.
- ``call_list_queries_<n>`` and ``counts_queries_<n>``: the SQL statements of one GET of the daily call
  list (``/inspections/calls/``) and of the counts page (``/inspections/counts/``) as the office, with
  ``n`` firms of which half were phoned yesterday; the same at 200 and at 20,000 (``queries_constant``).
  ``*_s_<n>``: the time of that GET (for information; the machine may be loaded).

Environment: BENCH_CENSUS_FIRMS (default 2000) sizes the census; BENCH_CENSUS_LARGE (20000) the larger
query-count run.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

FIRMS = int(os.environ.get("BENCH_CENSUS_FIRMS", "2000"))
SMALL, LARGE = 200, int(os.environ.get("BENCH_CENSUS_LARGE", "20000"))
GOAL = 5.0


def bare_parse(path: Path) -> tuple[float, int]:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    n = sum(1 for _row in sheet.iter_rows())
    return time.perf_counter() - start, n


def _sub_district(world: Any) -> None:
    """万安路 north and south zones with the demo's boundary rows and exempt categories, and 22 premises."""
    from fangkong.inspections import demo
    from fangkong.registry.models import PatrolZone, Premises

    for name in ("万安路以北", "万安路以南"):
        PatrolZone.objects.create(subdistrict=world.sub, name=name)
    demo._boundary(world.sub)
    Premises.objects.bulk_create(
        Premises(subdistrict=world.sub, name=f"园区{i}", address=f"万安路{100 + 2 * i}号") for i in range(22)
    )


def make_file(path: Path, world: Any, rng: random.Random) -> int:
    from fangkong.core import xlsx_writer
    from fangkong.core.spreadsheet_cells import sheet_row
    from fangkong.inspections import demo
    from fangkong.inspections.imports import CensusFormat

    rows = demo.census_rows(world.sub, rng, FIRMS)
    fmt = CensusFormat()
    keys = [c.key for c in fmt.columns]
    with path.open("wb") as out:
        xlsx_writer.write(
            out,
            sheet_title="企业名录",
            headers=fmt.headers,
            required=[c.required for c in fmt.columns],
            widths=[16.0] * len(keys),
            rows=(sheet_row([r.get(k, "") if r.get(k) is not None else "" for k in keys]) for r in rows),
        )
    return len(rows)


def _grow(sub: Any, hood: Any, upto: int) -> None:
    """Firms of ``sub`` up to ``upto`` (bulk), half of them phoned yesterday."""
    from django.utils import timezone

    from fangkong.inspections.models import Call, Firm
    from fangkong.registry.models import Organization

    have = Firm.objects.filter(subdistrict=sub).count()
    if have >= upto:
        return
    orgs = Organization.objects.bulk_create(
        [
            Organization(subdistrict=sub, neighborhood=hood, name=f"规模测试{i}公司")
            for i in range(have, upto)
        ],
        batch_size=2000,
    )
    firms = Firm.objects.bulk_create(
        [Firm(subdistrict=sub, neighborhood=hood, organization=o, name_key=o.name) for o in orgs],
        batch_size=2000,
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Call.objects.bulk_create(
        [
            Call(subdistrict=sub, neighborhood=hood, firm=f, day=yesterday, outcome="reached")
            for f in firms[::2]
        ],
        batch_size=2000,
    )
    Firm.objects.filter(subdistrict=sub).update(created_at=timezone.now() - dt.timedelta(days=3))


def _queries(client: Any, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (scope, policies, menus) as a user's second page would
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries), time.perf_counter() - start


def run() -> dict:
    from bench.common import setup_django

    setup_django()
    from django.test import Client

    from fangkong.core.choices import Role
    from fangkong.core.spreadsheets import preview_import, run_import
    from fangkong.core.testing import make_user
    from fangkong.inspections.imports import CensusFormat
    from fangkong.inspections.models import DuplicatePair, Firm
    from fangkong.project.testing import build_world

    world = build_world()
    _sub_district(world)
    rng = random.Random(2020)
    folder = Path(tempfile.mkdtemp(prefix="bench-census-"))
    path = folder / "census.xlsx"
    rows = make_file(path, world, rng)
    parse_before, parsed = bare_parse(path)
    start = time.perf_counter()
    preview_import(CensusFormat(), path, actor=world.hq)
    preview_s = time.perf_counter() - start
    start = time.perf_counter()
    report = run_import(CensusFormat(), path, actor=world.hq)
    import_s = time.perf_counter() - start
    parse_after, _n = bare_parse(path)
    parse_s = min(parse_before, parse_after)
    firms = Firm.objects.filter(subdistrict=world.sub)
    figures: dict[str, Any] = {
        "rows": rows,
        "rows_parsed": parsed - 1,
        "calamine_parse_s": round(parse_s, 4),
        "preview_s": round(preview_s, 3),
        "preview_ratio": round(preview_s / parse_s, 1) if parse_s else None,
        "import_s": round(import_s, 3),
        "firms_created": firms.count(),
        "likely_duplicates": DuplicatePair.objects.filter(subdistrict=world.sub).count(),
        "firms_with_zone": firms.filter(organization__patrol_zone__isnull=False).count(),
        "firms_with_premises": firms.filter(organization__premises__isnull=False).count(),
        "import_errors": report.error_count,
        "load_average": os.getloadavg()[0],
    }
    # query counts: a second sub-district's office, its firms grown from 200 to 20,000
    office = make_user("bench_office", Role.OFFICE, subdistrict=world.other_sub, domains=["inspections"])
    hood = world.hood_other
    client = Client()
    client.force_login(office)
    for n in (SMALL, LARGE):
        _grow(world.other_sub, hood, n)
        figures[f"call_list_queries_{n}"], t1 = _queries(client, "/inspections/calls/")
        figures[f"counts_queries_{n}"], t2 = _queries(client, "/inspections/counts/")
        figures[f"call_list_s_{n}"], figures[f"counts_s_{n}"] = round(t1, 3), round(t2, 3)
    constant = (
        figures[f"call_list_queries_{SMALL}"] == figures[f"call_list_queries_{LARGE}"]
        and figures[f"counts_queries_{SMALL}"] == figures[f"counts_queries_{LARGE}"]
    )
    figures["queries_constant"] = constant
    ratio = import_s / parse_s if parse_s else float("inf")
    return {
        "figures": figures,
        "ratio": round(ratio, 2),
        "goal": GOAL,
        "met": ratio <= GOAL and constant,
        "note": "SQLite; the machine was shared with other work while it ran (see load_average)",
    }
