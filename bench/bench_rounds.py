"""Check-in round generation: 800 buildings x 3 tasks x 2 a day x 14 days (67,200 rounds).

Also runs 400 buildings to show the number of queries does not grow with the number of buildings.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from bench.common import count_queries, fresh_postgres_url, setup_django


def _world(n_buildings: int, tag: str):
    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user
    from fangkong.pairing import services
    from fangkong.registry.models import Building, Compound, District, Neighborhood, SubDistrict

    district, _ = District.objects.get_or_create(name="虹口区")
    sub = SubDistrict.objects.create(district=district, name=f"江湾{tag}")
    hq = make_user(f"hq{tag}", Role.HQ, subdistrict=sub)
    hoods = [
        Neighborhood.objects.create(subdistrict=sub, name=f"居民区{i}", code=f"{i:02d}") for i in range(34)
    ]
    compounds = [
        Compound.objects.create(subdistrict=sub, neighborhood=hoods[i % 34], name=f"小区{i}")
        for i in range(n_buildings // 10)
    ]
    Building.objects.bulk_create(
        [
            Building(subdistrict=sub, neighborhood=c.neighborhood, compound=c, name=f"{j + 1}号")
            for c in compounds
            for j in range(10)
        ]
    )
    for name in ("电梯消毒", "入户大门消毒", "楼梯扶手消毒"):
        t = services.create_task_template(actor=hq, subdistrict=sub, name=name, frequency=2)
        services.apply_template(actor=hq, template=t)
    return sub, hq


def run() -> dict:
    # BENCH_ROUNDS_PG=1 runs against a fresh local PostgreSQL database instead of SQLite
    url = fresh_postgres_url("fangkong_bench_rounds") if os.environ.get("BENCH_ROUNDS_PG") else None
    setup_django(url)
    from django.db import connection

    from fangkong.pairing import services
    from fangkong.pairing.models import CheckInRound

    start = dt.date(2020, 2, 3)
    figures: dict = {"database": connection.vendor}
    for n in (400, 800):
        sub, hq = _world(n, str(n))
        t0 = time.perf_counter()
        created, queries = count_queries(
            lambda sub=sub, hq=hq: services.generate_rounds(actor=hq, subdistrict=sub, start=start, days=14)
        )
        secs = time.perf_counter() - t0
        assert CheckInRound.objects.filter(subdistrict=sub).count() == created == n * 3 * 2 * 14
        figures[f"buildings_{n}_rounds"] = created
        figures[f"buildings_{n}_seconds"] = round(secs, 3)
        figures[f"buildings_{n}_queries"] = queries
        t1 = time.perf_counter()
        again, q2 = count_queries(
            lambda sub=sub, hq=hq: services.generate_rounds(actor=hq, subdistrict=sub, start=start, days=14)
        )
        figures[f"buildings_{n}_rerun_added"] = again
        figures[f"buildings_{n}_rerun_seconds"] = round(time.perf_counter() - t1, 3)
    figures["rounds_per_second_800"] = round(
        figures["buildings_800_rounds"] / max(figures["buildings_800_seconds"], 1e-9)
    )
    flat = figures["buildings_400_queries"] == figures["buildings_800_queries"]
    return {
        "figures": figures,
        "goal": "query count independent of the number of buildings",
        "met": flat,
        "ratio": 1.0 if flat else 0.0,
    }
