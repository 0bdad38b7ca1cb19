"""The command dashboard at demo scale (SQLite): HQ's dashboard against the health endpoint, the district
roll-up against one sub-district's dashboard, and the daily report's PDF.

- The demo is generated at ``BENCH_DASHBOARD_SCALE`` (``district`` by default: 8 sub-districts, as
  ``seed-demo --scale district``; ``subdistrict`` for a quicker run).
- HQ's dashboard of the first sub-district and the health endpoint are requested in turn through Django's
  test client in this process (no server, no network): each figure is the median of ``BENCH_DASHBOARD_REPEATS``
  requests. Goal: the dashboard's requests per second >= 0.1 x the health endpoint's (``ratio``).
- Queries: the HQ dashboard's on a tiny hand-built world and on the demo; they must be equal.
- The roll-up: a district viewer's page over every sub-district, after the job that refreshes today's
  figures snapshot (its seconds are reported: that is where the counting moved). Goal: <= 3 x the time of one
  sub-district's dashboard.
- The daily report: seconds to compute and typeset one sub-district's PDF, and its pages.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench.common import count_queries, setup_django

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
    """The HQ dashboard's queries on the hand-built persona world (rolled back afterwards)."""
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from fangkong.project.testing import build_world

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

    client = Client()
    health_url = reverse("healthz")
    dashboard_url = reverse("command:dashboard")
    client.force_login(hq)
    client.get(dashboard_url)  # warm caches and the catalogue
    _response, figures["demo_dashboard_queries"] = count_queries(lambda: client.get(dashboard_url))
    figures["queries_constant"] = figures["demo_dashboard_queries"] == figures["tiny_dashboard_queries"]
    health = _median(client, health_url)
    dashboard = _median(client, dashboard_url)
    health_again = _median(client, health_url)
    health = (health + health_again) / 2
    figures["health_median_ms"] = round(health * 1000, 2)
    figures["dashboard_median_ms"] = round(dashboard * 1000, 1)
    figures["health_rps"] = round(1 / health, 1)
    figures["dashboard_rps"] = round(1 / dashboard, 2)
    ratio = round(health / dashboard, 4)

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
    dashboard_again = _median(client, dashboard_url)
    one_dashboard = (dashboard + dashboard_again) / 2
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
    return {
        "figures": figures,
        "ratio": ratio,
        "goal": GOAL_RATIO,
        "met": ratio >= GOAL_RATIO and figures["queries_constant"],
        "note": "in-process test client; ratio = dashboard requests per second / health requests per second",
    }
