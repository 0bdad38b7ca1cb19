"""The role homes at demo scale (SQLite): each demo account's home page (today's to-dos, the cadre's day, the
office's figures, the contact's unit, the district's sub-districts, the audit log), in process.

- The demo is generated at ``BENCH_HOMES_SCALE`` (``subdistrict`` by default; ``tiny`` for a quick run).
- For each demo account: the home page's median time over ``BENCH_HOMES_REPEATS`` requests through Django's
  test client, its queries and its to-dos. That the queries do not grow with the data is tested in
  ``command/tests/test_homes.py`` (the same users before and after the data grows); the demo accounts'
  worlds differ from the persona world's (an office's domains, a cadre's buildings), so the counts here are
  figures, not a comparison.
- The health endpoint's median in the same run, and each home's time as a multiple of it.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench.common import count_queries, setup_django

SCALE = os.environ.get("BENCH_HOMES_SCALE", "subdistrict")
REPEATS = int(os.environ.get("BENCH_HOMES_REPEATS", "9"))
ACCOUNTS = ("anfen", "xiachen", "fazhanban", "yinkang", "quji", "shenji", "zhihuibu")  # one per role


def _median(client: Any, url: str, n: int = REPEATS) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(times)


def run() -> dict:
    setup_django(None)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fangkong.core.models import User
    from fangkong.project import demo

    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 0
    figures: dict[str, Any] = {"database": connection.vendor, "scale": SCALE, "repeats": REPEATS}
    t0 = time.perf_counter()
    result = demo.build_demo(scale=SCALE)
    figures["demo_seconds"] = round(time.perf_counter() - t0, 1)
    figures["demo_rows"] = sum(result.counts.values())
    health_client = Client()
    health = _median(health_client, "/healthz")
    figures["health_median_ms"] = round(health * 1000, 2)
    for username in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        client.get("/")  # warm the caches
        response, queries = count_queries(lambda c=client: c.get("/"))
        todos = response.content.decode().count("data-todo=")
        median = _median(client, "/")
        figures[f"{username}_home_ms"] = round(median * 1000, 1)
        figures[f"{username}_queries"] = queries
        figures[f"{username}_todos"] = todos
        figures[f"{username}_x_health"] = round(median / health, 1)
    return {"figures": figures}
