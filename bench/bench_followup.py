"""The follow-up board at district scale: 50,000 people in isolation with 14 days of twice-daily reports
(about 1.4M readings), bulk-generated straight into the tables. Figures: the time to build today's board
(``returnees.selectors.follow_up_board`` for an HQ user, what the board page renders) and its query count, at
a small size and at the full size; the query count must not grow with the data. Also the time of
``returnee_figures`` (the dashboard's per-neighborhood figures) and of the missed-report task generation.

SQLite runs in a child process; when a local PostgreSQL answers, the same run repeats against a fresh
PostgreSQL database and its figures get a ``pg_`` prefix.

Environment: BENCH_FOLLOWUP_PEOPLE (default 50000), BENCH_FOLLOWUP_SMALL (default 2000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

PEOPLE = int(os.environ.get("BENCH_FOLLOWUP_PEOPLE", "50000"))
SMALL = int(os.environ.get("BENCH_FOLLOWUP_SMALL", "2000"))
DAYS = 14
NEIGHBORHOODS = 34
BUILDINGS_PER_HOOD = 24
ROOT = Path(__file__).resolve().parent.parent


def _world() -> tuple:
    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user
    from fangkong.registry.models import Building, Compound, District, Neighborhood, SubDistrict

    district = District.objects.create(name="虹口区", code="310109")
    sub = SubDistrict.objects.create(district=district, name="江湾镇街道", code="JW")
    buildings = []
    for i in range(NEIGHBORHOODS):
        hood = Neighborhood.objects.create(subdistrict=sub, name=f"居民区{i:02d}", code=f"{i:02d}")
        compound = Compound.objects.create(subdistrict=sub, neighborhood=hood, name=f"小区{i:02d}")
        for b in range(BUILDINGS_PER_HOOD):
            buildings.append(
                Building.objects.create(
                    subdistrict=sub, neighborhood=hood, compound=compound, name=f"{b + 1}号"
                )
            )
    hq = make_user("bench_hq", Role.HQ, subdistrict=sub)
    return sub, buildings, hq


def _generate(sub, buildings, start_index: int, count: int, today: dt.date, rng: random.Random) -> int:
    """Insert ``count`` declarations, isolations and their reports; returns the number of readings."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.returnees.models import Declaration, HealthReport, Isolation

    now = timezone.now()
    readings = 0
    with transaction.atomic():
        decls, isos = [], []
        for n in range(start_index, start_index + count):
            b = buildings[n % len(buildings)]
            start = today - dt.timedelta(days=DAYS - 1 + rng.randrange(0, 2))  # 14 days of reports by now
            decls.append(
                Declaration(
                    subdistrict_id=sub.pk,
                    neighborhood_id=b.neighborhood_id,
                    building_id=b.pk,
                    room=str(100 + n % 600),
                    name=f"人员{n}",
                    id_number_hash=f"{n:064d}",
                    id_number_masked="420***********0000",
                    phone_masked="138****0000",
                    origin_code="420100",
                    origin_name="湖北省武汉市",
                    transport="rail",
                    transport_number=f"G{n}",
                    departure_date=start - dt.timedelta(days=1),
                    arrival_date=start,
                    key_area=True,
                    risk_level="yellow",
                    risk_action="home_isolation",
                    risk_rule_label="bench",
                    declared_at=now,
                )
            )
        Declaration.objects.bulk_create(decls, batch_size=2000)
        ids = dict(
            Declaration.objects.filter(subdistrict_id=sub.pk, name__in=[d.name for d in decls]).values_list(
                "name", "pk"
            )
        )
        for d in decls:
            isos.append(
                Isolation(
                    subdistrict_id=sub.pk,
                    neighborhood_id=d.neighborhood_id,
                    building_id=d.building_id,
                    declaration_id=ids[d.name],
                    id_number_hash=d.id_number_hash,
                    start_date=d.arrival_date,
                    planned_end_date=d.arrival_date + dt.timedelta(days=DAYS),
                    end_date=d.arrival_date + dt.timedelta(days=DAYS),
                    report_token_hash=f"t{d.id_number_hash[1:]}",
                )
            )
        Isolation.objects.bulk_create(isos, batch_size=2000)
        rows = Isolation.objects.filter(
            subdistrict_id=sub.pk, declaration_id__in=list(ids.values())
        ).values_list("pk", "neighborhood_id", "start_date")
        table = HealthReport._meta.db_table
        cols = [
            "subdistrict_id",
            "created_at",
            "updated_at",
            "version",
            "isolation_id",
            "neighborhood_id",
            "day",
            "slot",
            "temperature",
            "symptoms",
            "note",
            "fever",
            "source",
        ]
        batch: list[tuple] = []
        pg = connection.vendor == "postgresql"

        def flush() -> None:
            if not batch:
                return
            with connection.cursor() as cur:
                if pg:
                    with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(cols))
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", batch)
            batch.clear()

        for iso_id, hood_id, start in rows:
            day = start
            while day <= today:
                for slot in ("am", "pm"):
                    if day == today and slot == "pm":
                        continue  # the afternoon is not due yet
                    if day == today and rng.random() < 0.03:
                        continue  # a few missing this morning
                    t = 36.0 + rng.random() * 1.2
                    fever = rng.random() < 0.0005
                    if fever:
                        t = 37.6
                    batch.append(
                        (
                            sub.pk,
                            now,
                            now,
                            1,
                            iso_id,
                            hood_id,
                            day,
                            slot,
                            round(t, 1),
                            False,
                            "",
                            fever,
                            "self",
                        )
                    )
                    readings += 1
                day += dt.timedelta(days=1)
            if len(batch) >= 20000:
                flush()
        flush()
    return readings


def _measure(hq, now: dt.datetime) -> dict:
    from bench.common import count_queries
    from fangkong.core.scope import clear_scope_cache
    from fangkong.returnees.selectors import follow_up_board, returnee_figures

    clear_scope_cache(hq)
    follow_up_board(hq, now=now)  # warm
    t0 = time.perf_counter()
    board, queries = count_queries(lambda: follow_up_board(hq, now=now))
    board_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _figs, fig_queries = count_queries(lambda: returnee_figures(hq.subdistrict_id, now.date()))
    figures_s = time.perf_counter() - t0
    return {
        "board_s": round(board_s, 4),
        "board_queries": queries,
        "figures_s": round(figures_s, 4),
        "figures_queries": fig_queries,
        "active": board.active_count,
        "missing": board.missing_count,
        "fevers": board.fever_count,
    }


def child(database_url: str | None) -> dict:
    from bench.common import setup_django

    setup_django(database_url)
    from django.db import connection
    from django.utils import timezone

    from fangkong.returnees.models import HealthReport
    from fangkong.returnees.services import generate_missed_report_tasks

    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
    rng = random.Random(2020)
    local = timezone.localtime()
    today = local.date()
    now = local.replace(hour=15, minute=0, second=0, microsecond=0)
    sub, buildings, hq = _world()
    t0 = time.perf_counter()
    small_readings = _generate(sub, buildings, 0, SMALL, today, rng)
    small = _measure(hq, now)
    big_readings = _generate(sub, buildings, SMALL, PEOPLE - SMALL, today, rng)
    gen_s = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    big = _measure(hq, now)
    t0 = time.perf_counter()
    tasks = generate_missed_report_tasks(subdistrict_id=sub.pk, now=now)
    tasks_s = time.perf_counter() - t0
    return {
        "people": PEOPLE,
        "readings": HealthReport.objects.count(),
        "generate_s": round(gen_s, 1),
        "small_people": SMALL,
        "small_readings": small_readings,
        "small_board_s": small["board_s"],
        "small_board_queries": small["board_queries"],
        "board_s": big["board_s"],
        "board_queries": big["board_queries"],
        "figures_s": big["figures_s"],
        "figures_queries": big["figures_queries"],
        "board_active": big["active"],
        "board_missing": big["missing"],
        "board_fevers": big["fevers"],
        "missed_tasks_created": tasks,
        "missed_tasks_s": round(tasks_s, 2),
        "_readings_inserted": small_readings + big_readings,
    }


def _run_child(database_url: str | None) -> dict | None:
    args = [sys.executable, "-m", "bench.bench_followup", "--child"]
    if database_url:
        args.append(database_url)
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> dict:
    from bench.common import fresh_postgres_url

    figures: dict = {}
    lite = _run_child(None)
    if lite is None:
        return {"error": "sqlite run failed", "figures": {}}
    figures.update({k: v for k, v in lite.items() if not k.startswith("_")})
    pg_url = fresh_postgres_url("fangkong_bench_followup")
    if pg_url:
        pg = _run_child(pg_url)
        if pg:
            figures.update(
                {f"pg_{k}": v for k, v in pg.items() if not k.startswith("_") and "people" not in k}
            )
    constant = lite["board_queries"] == lite["small_board_queries"]
    return {
        "figures": figures,
        "ratio": round(lite["board_s"] / max(lite["small_board_s"], 1e-6), 2),
        "goal": "board query count does not grow with the data",
        "met": constant
        and (not pg_url or figures.get("pg_board_queries") == figures.get("pg_small_board_queries")),
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        result = child(sys.argv[2] if len(sys.argv) > 2 else None)
        print(json.dumps(result))
    else:
        print(json.dumps(run(), indent=1))
