"""The job runner under load: alert latency during a venue check-in surge, the surge's throughput with and
without the worker, and the query counts of the overdue and missed-report sweeps as data grows.

1. **Query counts** (in-process): ``detect_overdue`` over S and 10×S buildings with 3 check-in tasks each,
   and ``generate_missed_report_tasks`` over I and 10×I people in isolation (``BENCH_JOBS_BUILDINGS``, 80;
   ``BENCH_JOBS_ISOLATED``, 5,000). Both counts should be equal.
2. **Throughput overhead**: the venue check-in surge (gunicorn, 64 keep-alive connections, as ``bench_venue``)
   without a worker, then with ``fangkong worker`` running beside it (once its start-up tick, which runs
   every job once, is over); ratio = check-ins/s with ÷ without (goal ≥ 0.9).
3. **Alert latency**: during the second surge one visitor in 50 has a fever; each fever is an alert to the
   neighborhood's committee and HQ, delivered by the worker to a local webhook receiver. Latency is from the
   notification's commit time (its ``at``) to its arrival at the receiver; p50 and p99 (goal p99 ≤ 5 s).

SQLite (the embedded default) only. BENCH_JOBS_SECONDS (default 20), BENCH_JOBS_CONNECTIONS (64).
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_JOBS_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_JOBS_CONNECTIONS", "64"))
BUILDINGS = int(os.environ.get("BENCH_JOBS_BUILDINGS", "80"))
ISOLATED = int(os.environ.get("BENCH_JOBS_ISOLATED", "5000"))


class Receiver:
    """The local webhook: records when each notification arrives."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrivals.append((time.time(), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _grow_buildings(world, n: int, tag: str) -> None:
    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user
    from fangkong.pairing import services
    from fangkong.registry.models import Building, SupportCadre

    for i in range(n):
        building = Building.objects.create(
            subdistrict=world.sub, neighborhood=world.hood_a, compound=world.compound_a, name=f"{tag}{i}号"
        )
        user = make_user(f"o{tag}{i}", Role.CADRE, subdistrict=world.sub, neighborhoods=[world.hood_a])
        cadre = SupportCadre.objects.create(
            subdistrict=world.sub, name=f"干部{tag}{i}", department=world.dept, user=user
        )
        services.assign_building(actor=world.hq, building=building, cadre=cadre)


def _overdue_queries(world, n: int, tag: str) -> tuple[int, int]:
    from django.utils import timezone

    from bench.common import count_queries
    from fangkong.pairing import services
    from fangkong.pairing.models import CheckInRound

    CheckInRound.objects.all().delete()
    _grow_buildings(world, n, tag)
    for name in ("电梯", "入户大门", "楼梯扶手"):
        template = services.create_task_template(
            actor=world.hq, subdistrict=world.sub, name=f"{name}消毒{tag}", frequency=1
        )
        services.apply_template(actor=world.hq, template=template)
    day = timezone.localdate() - dt.timedelta(days=1)
    services.generate_rounds(actor=world.hq, subdistrict=world.sub, start=day, days=1)
    found, queries = count_queries(lambda: services.detect_overdue(now=timezone.now()))
    return len(found), queries


def _isolate(world, n: int, start: int) -> None:
    """n people in home isolation in neighborhood A (rows written in bulk; the sweep only reads them)."""
    from django.utils import timezone

    from fangkong.returnees.models import Declaration, Isolation

    today = timezone.localdate()
    decls = Declaration.objects.bulk_create(
        [
            Declaration(
                subdistrict=world.sub,
                neighborhood=world.hood_a,
                building=world.building_a,
                room=str(start + i),
                name=f"隔离{start + i}",
                origin_code="420100",
                origin_name="湖北省武汉市",
                transport="rail",
                transport_number=f"G{start + i}",
                departure_date=today - dt.timedelta(days=4),
                arrival_date=today - dt.timedelta(days=3),
                risk_level="red",
                risk_action="home_isolation",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    Isolation.objects.bulk_create(
        [
            Isolation(
                subdistrict=world.sub,
                neighborhood=world.hood_a,
                building=world.building_a,
                declaration=d,
                start_date=today - dt.timedelta(days=3),
                planned_end_date=today + dt.timedelta(days=11),
                end_date=today + dt.timedelta(days=11),
                report_token_hash=f"bench-{d.pk}",
            )
            for d in decls
        ],
        batch_size=2000,
    )


def _missed_queries(world, n: int, start: int) -> tuple[int, int]:
    from django.utils import timezone

    from bench.common import count_queries
    from fangkong.returnees.models import FollowUpTask
    from fangkong.returnees.services import generate_missed_report_tasks

    FollowUpTask.objects.all().delete()
    _isolate(world, n, start)
    made, queries = count_queries(lambda: generate_missed_report_tasks(now=timezone.now()))
    return made, queries


def query_counts() -> dict:
    from bench.common import setup_django

    setup_django(None)
    from fangkong.project.testing import build_world

    world = build_world()
    small_rounds, small_q = _overdue_queries(world, BUILDINGS, "s")
    large_rounds, large_q = _overdue_queries(world, BUILDINGS * 10, "l")
    small_tasks, small_m = _missed_queries(world, ISOLATED, 10_000)
    large_tasks, large_m = _missed_queries(world, ISOLATED * 9, 100_000)
    return {
        "overdue_rounds_small": small_rounds,
        "overdue_rounds_large": large_rounds,
        "overdue_queries_small": small_q,
        "overdue_queries_large": large_q,
        "missed_tasks_small": small_tasks,
        "missed_tasks_large": large_tasks,
        "missed_queries_small": small_m,
        "missed_queries_large": large_m,
    }


def surge() -> dict:
    """Two surges against one server: without, then with the worker (which delivers the fevers' alerts)."""
    from bench.bench_venue import _free_port, _wait
    from bench.common import setup_django
    from bench.loadgen_venue import run_load

    var = setup_django(None)
    from fangkong.project.testing import build_world
    from fangkong.returnees.services import ensure_venue

    world = build_world()
    venue = ensure_venue(actor=None, organization=world.org_b)
    receiver = Receiver()
    port = _free_port()
    env = dict(
        os.environ,
        FANGKONG_VAR_DIR=var,
        FANGKONG_CONN_MAX_AGE="600",
        FANGKONG_NOTIFY_BACKENDS="webhook",
        FANGKONG_NOTIFY_WEBHOOK_URL=receiver.url,
        FANGKONG_TRUST_PROXY="1",
        FANGKONG_WORKER="0",
    )
    env.pop("DATABASE_URL", None)
    # the serving configuration of `fangkong serve` on SQLite, without the access log (as bench_booking)
    from fangkong.core.management.commands.serve import gunicorn_argv, serving_shape

    workers, threads = serving_shape(sqlite=True, workers=None, threads=None)
    server = subprocess.Popen(
        [
            *gunicorn_argv(host="127.0.0.1", port=port, workers=workers, threads=threads, access_log=False),
            "--keep-alive",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    path = f"/api/v1/returnees/public/checkin/{venue.code}"

    def checkin(offset: int):
        def make(i: int):
            n = offset + i
            body = json.dumps(
                {
                    "name": f"访客{n}",
                    "phone": f"138{n % 10**8:08d}",
                    "temperature": "38.2" if n % 50 == 0 else "36.5",
                    "key_area_14d": False,
                    "submission_id": f"jobs-{n}",
                }
            ).encode()
            ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            return ("POST", path, body, {"Content-Type": "application/json", "X-Forwarded-For": ip})

        return make

    worker = None
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        without = run_load("127.0.0.1", port, checkin(0), connections=CONNECTIONS, seconds=SECONDS)
        # alerts of the first surge stay undelivered until the worker starts: drop them from the latency
        from fangkong.core.models import Notification

        Notification.objects.all().update(delivery_status="sent")
        worker = subprocess.Popen(
            [sys.executable, "-m", "fangkong", "worker", "--tick", "5"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        # steady state: the worker's first tick runs every job's latest period once (its start-up catch-up);
        # the surge starts when that is done, so the ratio measures the running worker, not its start
        from fangkong.core import jobs as job_registry
        from fangkong.core.models import JobRun

        names = [j.name for j in job_registry.registered() if not j.schedule().off]
        deadline = time.time() + 120
        while time.time() < deadline and (
            JobRun.objects.filter(job__in=names).values("job").distinct().count() < len(names)
            or JobRun.objects.filter(status="running").exists()
        ):
            time.sleep(0.5)
        time.sleep(2.0)
        with_worker = run_load(
            "127.0.0.1", port, checkin(10_000_000), connections=CONNECTIONS, seconds=SECONDS
        )
        deadline = time.time() + 30
        while time.time() < deadline and Notification.objects.exclude(delivery_status="sent").exists():
            time.sleep(0.5)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    latencies = []
    for arrived, body in receiver.arrivals:
        created = dt.datetime.fromisoformat(body["at"]).timestamp()
        latencies.append(arrived - created)
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 3)

    return {
        "checkin_rps_without_worker": without["rps"],
        "checkin_rps_with_worker": with_worker["rps"],
        "throughput_ratio": round(with_worker["rps"] / max(without["rps"], 1e-9), 3),
        "alerts_delivered": len(latencies),
        "alerts_left_after_30s": Notification.objects.exclude(delivery_status="sent").count(),
        "alert_latency_p50_s": pct(0.5),
        "alert_latency_p99_s": pct(0.99),
        "alert_latency_mean_s": round(statistics.mean(latencies), 3) if latencies else None,
        "checkin_p99_ms_with_worker": with_worker["p99_ms"],
    }


def _child(part: str) -> dict | None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_jobs", "--child", part],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> dict:
    counts = _child("counts") or {}
    load = _child("surge") or {}
    figures = {**counts, **load}
    constant = bool(counts) and (
        counts["overdue_queries_small"] == counts["overdue_queries_large"]
        and counts["missed_queries_small"] == counts["missed_queries_large"]
    )
    ratio = load.get("throughput_ratio")
    p99 = load.get("alert_latency_p99_s")
    met = bool(constant and ratio is not None and ratio >= 0.9 and p99 is not None and p99 <= 5.0)
    return {
        "figures": figures,
        "ratio": ratio,
        "goal": "sweep queries constant in data size; surge with worker >= 0.9 x without; alert p99 <= 5 s",
        "met": met,
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(query_counts() if sys.argv[2] == "counts" else surge()))
    else:
        print(json.dumps(run(), indent=1))
