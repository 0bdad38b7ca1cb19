"""Import of a 100,000-resident households xlsx, against a bare parse of the same file in the same run.

Figures: the bare parse with python-calamine (and openpyxl read-only for reference), the preview (parse and
every check, no writes) and the whole import through the real path (``core.spreadsheets.run_import`` with
the registry's households format: parse, validation, encryption, hashing, writes, one audit event) into a
fresh SQLite database. ratio = import seconds / bare calamine parse seconds; goal 3.0.

When a local PostgreSQL answers, the same import runs again into a fresh PostgreSQL database in a child
process, and its figures are reported with a ``pg_`` prefix.

Environment: BENCH_IMPORT_ROWS (default 100000) changes the size.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
NEIGHBORHOODS = 34
GOAL = 3.0

HEADERS = [
    "居民区",
    "小区",
    "楼号",
    "室号",
    "姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "性别",
    "出生日期",
    "与户主关系",
    "党员",
    "备注",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏建华红梅志强建国海燕丹"
RELATIONS = ["户主", "配偶", "子女", "父母", "其他"]


def make_file(path: Path, rows: int, seed: int = 2020) -> dict[str, int]:
    """~3 residents per household, ~33,000 households, 150 compounds, ~800 buildings, 34 neighborhoods."""
    from openpyxl import Workbook

    from fangkong.core.testing import make_id_number, make_phone

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("住户居民")
    ws.append(HEADERS)
    households = 0
    used_ids: set[str] = set()
    i = 0
    while i < rows:
        h = households
        households += 1
        hood = h % NEIGHBORHOODS
        compound = (h // NEIGHBORHOODS) % 4 + hood * 4 + (hood % 3 == 0) * 0
        building = (h // (NEIGHBORHOODS * 4)) % 6
        room = f"{(h // (NEIGHBORHOODS * 24)) % 30 + 1:02d}{h % 2 + 1:02d}"
        size = min(rng.choice((1, 2, 3, 3, 4, 5)), rows - i)
        for member in range(size):
            while True:
                id_number = make_id_number(rng, region=rng.choice(("310109", "310110", "320102", "330106")))
                if id_number not in used_ids:
                    used_ids.add(id_number)
                    break
            ws.append(
                [
                    f"第{hood + 1:02d}居民区",
                    f"江湾{compound + 1:03d}小区",
                    f"{building + 1}号",
                    f"{room}-{h}",
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "居民身份证",
                    id_number,
                    make_phone(rng) if rng.random() < 0.9 else "",
                    "",
                    "",
                    RELATIONS[0] if member == 0 else rng.choice(RELATIONS[1:]),
                    "是" if rng.random() < 0.08 else "否",
                    "",
                ]
            )
            i += 1
    wb.save(path)
    return {"households": households, "rows": rows}


def bare_parse_calamine(path: Path) -> tuple[float, int]:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    n = 0
    for _row in sheet.iter_rows():
        n += 1
    return time.perf_counter() - start, n


def bare_parse_openpyxl(path: Path) -> tuple[float, int]:
    from openpyxl import load_workbook

    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for _row in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return time.perf_counter() - start, n


def build_places() -> object:
    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user
    from fangkong.registry.models import District, Neighborhood, SubDistrict

    district = District.objects.create(name="虹口区", code="310109")
    sub = SubDistrict.objects.create(district=district, name="江湾镇街道", code="JW")
    Neighborhood.objects.bulk_create(
        [
            Neighborhood(subdistrict=sub, name=f"第{i + 1:02d}居民区", code=f"{i + 1:02d}")
            for i in range(NEIGHBORHOODS)
        ]
    )
    return make_user("bench_hq", Role.HQ, subdistrict=sub)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_import(path: Path, *, with_preview: bool = True) -> dict[str, float]:
    from bench.common import count_queries
    from fangkong.core.spreadsheets import preview_import, run_import
    from fangkong.registry.imports import HOUSEHOLDS
    from fangkong.registry.models import Household, Resident

    actor = build_places()
    figures: dict[str, float] = {}
    if with_preview:
        start = time.perf_counter()
        report = preview_import(HOUSEHOLDS, path, actor=actor)
        figures["preview_s"] = round(time.perf_counter() - start, 3)
        assert report.ok, report.errors[:5]
    rss_before = _rss_mb()
    start = time.perf_counter()
    report, queries = count_queries(lambda: run_import(HOUSEHOLDS, path, actor=actor, token="bench" * 5))
    seconds = time.perf_counter() - start
    assert report.ok and report.counts["create"] == ROWS, report.counts
    assert Resident.objects.count() == ROWS
    figures.update(
        {
            "import_s": round(seconds, 3),
            "import_rows_per_s": round(ROWS / seconds),
            "import_queries": queries,
            "households_created": Household.objects.count(),
            "rss_peak_mb": round(_rss_mb(), 1),
            "rss_growth_during_import_mb": round(_rss_mb() - rss_before, 1),
        }
    )
    return figures


def traced_preview_peak(path: Path) -> float:
    """Peak Python allocation (tracemalloc) of a preview: the same parse and checks, without writes."""
    from fangkong.core.models import User
    from fangkong.core.spreadsheets import preview_import
    from fangkong.registry.imports import HOUSEHOLDS

    actor = User.objects.get(username="bench_hq")
    tracemalloc.start()
    preview_import(HOUSEHOLDS, path, actor=actor)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 1024 / 1024, 1)


def _pg_child(path: str) -> None:
    """Child process: the import into a fresh PostgreSQL database; prints JSON figures."""
    from bench.common import fresh_postgres_url, setup_django

    url = fresh_postgres_url("fangkong_bench_import")
    if url is None:
        print(json.dumps({"skipped": True}))
        return
    setup_django(url)
    parse_s, _n = bare_parse_calamine(Path(path))
    figures = measure_import(Path(path), with_preview=False)
    figures["calamine_parse_s"] = round(parse_s, 3)
    figures["ratio"] = round(figures["import_s"] / parse_s, 2)
    print("PGRESULT " + json.dumps(figures))


def run() -> dict:
    from bench.common import setup_django

    setup_django()
    workdir = Path(tempfile.mkdtemp(prefix="fangkong-bench-import-"))
    path = workdir / "residents.xlsx"
    start = time.perf_counter()
    shape = make_file(path, ROWS)
    generate_s = time.perf_counter() - start

    calamine_s, n = bare_parse_calamine(path)
    assert n == ROWS + 1
    openpyxl_s, _n = bare_parse_openpyxl(path)
    figures: dict[str, float] = {
        "rows": ROWS,
        "households_in_file": shape["households"],
        "file_mb": round(path.stat().st_size / 1024 / 1024, 2),
        "generate_file_s": round(generate_s, 2),
        "calamine_parse_s": round(calamine_s, 3),
        "calamine_rows_per_s": round(ROWS / calamine_s),
        "openpyxl_readonly_parse_s": round(openpyxl_s, 3),
    }
    figures.update(measure_import(path))
    figures["preview_tracemalloc_peak_mb"] = traced_preview_peak(path)
    ratio = figures["import_s"] / calamine_s

    proc = subprocess.run(
        [sys.executable, "-c", f"from bench.bench_import import _pg_child; _pg_child({str(path)!r})"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": ""},
        cwd=Path(__file__).resolve().parent.parent,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("PGRESULT "):
            for key, value in json.loads(line[len("PGRESULT ") :]).items():
                figures[f"pg_{key}"] = value
    if not any(k.startswith("pg_") for k in figures) and proc.returncode != 0:
        figures["pg_error"] = 1
        sys.stderr.write(proc.stderr[-3000:])
    path.unlink()
    return {"figures": figures, "ratio": round(ratio, 2), "goal": GOAL, "met": ratio <= GOAL}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--pg-child":
        _pg_child(sys.argv[2])
    else:
        print(json.dumps(run(), ensure_ascii=False, indent=1))
