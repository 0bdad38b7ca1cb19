"""The command dashboard at demo scale (SQLite): HQ's dashboard against the health endpoint, the district
roll-up against one sub-district's dashboard, and the daily report's PDF.

- The demo is generated at ``BENCH_DASHBOARD_SCALE`` (``district`` by default: 8 sub-districts, as
  ``seed-demo --scale district``; ``subdistrict`` for a quicker run).
- Served: gunicorn on 127.0.0.1 with ``BENCH_DASHBOARD_CONNECTIONS`` keep-alive connections, HQ's session
  cookie on every dashboard request, the health endpoint and the dashboard each for ``BENCH_DASHBOARD_SECONDS``.
  Goal: the dashboard's requests per second >= 0.1 x the health endpoint's (``ratio``), as served (the board
  kept ``FANGKONG_DASHBOARD_CACHE_SECONDS`` per scope, so polling screens count it once per period).
- In process: the same two through Django's test client (no server, no network), each the median of
  ``BENCH_DASHBOARD_REPEATS`` requests; ``dashboard_counted_*`` is the board counted on every request (the
  cache off).
- Queries: the HQ dashboard's on a tiny hand-built world and on the demo; they must be equal.
- The roll-up: a district viewer's page over every sub-district, after the job that refreshes today's
  figures snapshot (its seconds are reported: that is where the counting moved). Goal: <= 3 x the time of one
  sub-district's dashboard.
- The daily report: seconds to compute and typeset one sub-district's PDF, and its pages.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import count_queries, setup_django

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = int(os.environ.get("BENCH_DASHBOARD_CONNECTIONS", "16"))
SECONDS = float(os.environ.get("BENCH_DASHBOARD_SECONDS", "10"))
SCALE = os.environ.get("BENCH_DASHBOARD_SCALE", "district")
REPEATS = int(os.environ.get("BENCH_DASHBOARD_REPEATS", "15"))
GOAL_RATIO = 0.1
ROLLUP_GOAL = 3.0


def _median(client: Any, url: str, n: int = REPEATS) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(times)


def _tiny_dashboard_queries() -> int:
    """The HQ dashboard's queries, counted (the cache off), on the hand-built persona world (rolled back)."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from fangkong.project.testing import build_world

    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 0
    with transaction.atomic():
        w = build_world()
        client = Client()
        client.force_login(w.hq)
        client.get(reverse("command:dashboard"))  # warm caches
        _response, queries = count_queries(lambda: client.get(reverse("command:dashboard")))
        transaction.set_rollback(True)
    return queries


def run() -> dict:
    setup_django(None)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from fangkong.command import rollup
    from fangkong.command.services import generate_daily_report
    from fangkong.core.choices import Role
    from fangkong.core.models import User
    from fangkong.core.testing import make_user
    from fangkong.project import demo

    figures: dict[str, Any] = {"database": connection.vendor, "scale": SCALE, "repeats": REPEATS}
    figures["tiny_dashboard_queries"] = _tiny_dashboard_queries()

    t0 = time.perf_counter()
    result = demo.build_demo(scale=SCALE)
    figures["demo_seconds"] = round(time.perf_counter() - t0, 1)
    figures["demo_rows"] = sum(result.counts.values())
    subs = result.subdistricts
    figures["subdistricts"] = len(subs)
    first = subs[0]
    hq = User.objects.filter(role=Role.HQ, subdistrict=first).first() or make_user(
        "bench_hq", Role.HQ, subdistrict=first
    )
    viewer = make_user("bench_viewer", Role.DISTRICT_VIEWER, district=first.district)

    from django.conf import settings

    client = Client()
    health_url = reverse("healthz")
    dashboard_url = reverse("command:dashboard")
    client.force_login(hq)
    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 0
    client.get(dashboard_url)  # warm caches and the catalogue
    _response, figures["demo_dashboard_queries"] = count_queries(lambda: client.get(dashboard_url))
    figures["queries_constant"] = figures["demo_dashboard_queries"] == figures["tiny_dashboard_queries"]
    health = _median(client, health_url)
    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 0
    cold = _median(client, dashboard_url)
    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 10
    dashboard = _median(client, dashboard_url, REPEATS * 4)
    health_again = _median(client, health_url)
    health = (health + health_again) / 2
    figures["health_median_ms"] = round(health * 1000, 2)
    figures["dashboard_counted_median_ms"] = round(cold * 1000, 1)
    figures["dashboard_counted_ratio"] = round(health / cold, 4)
    figures["dashboard_median_ms"] = round(dashboard * 1000, 2)
    figures["health_rps"] = round(1 / health, 1)
    figures["dashboard_rps"] = round(1 / dashboard, 2)
    figures["inprocess_ratio"] = round(health / dashboard, 4)

    figures.update(_served(client.cookies["sessionid"].value))

    t1 = time.perf_counter()
    snapshot = rollup.refresh_today_job(timezone.now())
    figures["refresh_today_seconds"] = round(time.perf_counter() - t1, 2)
    figures["refresh_today_figures"] = snapshot.get("figures", 0)
    viewer_client = Client()
    viewer_client.force_login(viewer)
    rollup_url = reverse("command:district")
    viewer_client.get(rollup_url)
    _response, figures["rollup_queries"] = count_queries(lambda: viewer_client.get(rollup_url))
    rolled = _median(viewer_client, rollup_url)
    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 0
    one_dashboard = (cold + _median(client, dashboard_url)) / 2
    figures["rollup_median_ms"] = round(rolled * 1000, 1)
    figures["rollup_vs_one_dashboard"] = round(rolled / one_dashboard, 3)
    figures["rollup_goal"] = ROLLUP_GOAL
    figures["rollup_met"] = rolled / one_dashboard <= ROLLUP_GOAL

    t2 = time.perf_counter()
    report = generate_daily_report(actor=None, subdistrict=first, day=timezone.localdate())
    figures["report_pdf_seconds"] = round(time.perf_counter() - t2, 2)
    figures["report_pdf_pages"] = report.pages
    figures["report_pdf_kb"] = round(len(bytes(report.pdf)) / 1024)
    figures["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    ratio = figures["served_ratio"]
    return {
        "figures": figures,
        "ratio": ratio,
        "goal": GOAL_RATIO,
        "met": ratio >= GOAL_RATIO and figures["queries_constant"],
        "note": "ratio: the dashboard's requests per second / the health endpoint's, served by gunicorn",
    }


def _served(session: str) -> dict[str, Any]:
    """The health endpoint and HQ's dashboard through gunicorn, in turn, with the same connections."""
    from django.conf import settings

    from bench.bench_venue import _free_port, _wait
    from bench.loadgen_venue import run_load

    port = _free_port()
    env = dict(os.environ, FANGKONG_CONN_MAX_AGE="600", FANGKONG_VAR_DIR=str(settings.VAR_DIR))
    env.pop("DATABASE_URL", None)
    workers = min(os.cpu_count() or 2, 4)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fangkong.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            "4",
            "--keep-alive",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    cookie = {"Cookie": f"sessionid={session}"}
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        health = run_load(
            "127.0.0.1",
            port,
            lambda i: ("GET", "/healthz", b"", {}),
            connections=CONNECTIONS,
            seconds=SECONDS,
        )
        board = run_load(
            "127.0.0.1",
            port,
            lambda i: ("GET", "/command/", b"", cookie),
            connections=CONNECTIONS,
            seconds=SECONDS,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "served_workers": workers,
        "served_health_rps": health["rps"],
        "served_dashboard_rps": board["rps"],
        "served_dashboard_p50_ms": board["p50_ms"],
        "served_dashboard_p99_ms": board["p99_ms"],
        "served_dashboard_status": {str(k): v for k, v in board["status"].items()},
        "served_ratio": round(board["rps"] / max(health["rps"], 1e-9), 4),
    }
