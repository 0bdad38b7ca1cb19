"""A morning surge at a venue's public check-in (场所码), against the health endpoint of the same server.

gunicorn serves in the shape ``fangkong serve`` chooses (processes x threads), with persistent database
connections; 64 keep-alive connections send check-ins for 30 s to the JSON endpoint
(``POST /api/v1/returnees/public/checkin/<code>``, ``services.register_visit``, the service of the HTML form
too). Each visitor comes from its own address with its own phone; one request in 20 is a double submit of an
earlier one (answered 200, nothing new stored) and one in 200 a fever (its referral, audit event and alerts
written with it). The trivial health endpoint ``/healthz`` of the same server is measured under the same 64
connections before and after the surge, pooled, so a machine whose speed drifts gives both sides the same
drift. ratio = check-in throughput / health throughput.

CPU per request is split between the app server (gunicorn and its workers), the database server (PostgreSQL's
processes; SQLite runs inside the app server) and the load generator, from /proc (Linux): on a machine shared
with other work the throughput ratio is noisy, the CPU per request much less so. ``inprocess_*_cpu_ms`` is the
CPU of one request through the whole Django stack in one process (test client, no HTTP), and
``checkin_queries`` the statements of one warm check-in.

Checked after the surge: every 201 answer has its row (``lost_checkins``), the double submits stored nothing
(``checkin_rows_stored`` = 201 answers), every fever answered has its referral (``fevers_unalerted``), and no
audit rows were written for ordinary check-ins.

Runs on PostgreSQL (figures ``pg_*``, the goal) and on SQLite (``sqlite_*``). Goal, on PostgreSQL: ratio ≥ 0.3
and p99 ≤ 300 ms at 64 connections, nothing lost. Environment: BENCH_VENUE_SECONDS (30),
BENCH_VENUE_HEALTH_SECONDS (10, before and after each), BENCH_VENUE_DBS (``pg,sqlite``),
BENCH_VENUE_WORKERS / BENCH_VENUE_THREADS (default: the ``fangkong serve`` shape).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_VENUE_SECONDS", "30"))
HEALTH_SECONDS = float(os.environ.get("BENCH_VENUE_HEALTH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_VENUE_CONNECTIONS", "64"))
WORKERS = int(os.environ.get("BENCH_VENUE_WORKERS", "0")) or None
THREADS = int(os.environ.get("BENCH_VENUE_THREADS", "0")) or None
INPROCESS = int(os.environ.get("BENCH_VENUE_INPROCESS", "500"))
GOAL_RATIO = 0.3
GOAL_P99_MS = 300.0
REPEAT_EVERY = 20
FEVER_EVERY = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {url}")


def _cpu_split(server_pid: int, database: str) -> dict[str, float]:
    """CPU seconds so far of the app server (gunicorn and its workers), the database server's processes that
    serve ``database`` (PostgreSQL backends name it in their title; other databases on the same server, such
    as other test runs, are left out) and this process (the load generator). Linux only; empty elsewhere."""
    from bench.bench_booking import _proc_cpu

    if not Path("/proc/self/stat").exists():
        return {}
    server = db = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            stat = (entry / "stat").read_text()
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if pid == server_pid or parent == server_pid:
            server += _proc_cpu(pid)
        elif database and title.startswith("postgres: ") and f" {database} " in title:
            db += _proc_cpu(pid)
    return {"server": server, "database": db, "loadgen": sum(os.times()[:2])}


def _body(n: int, *, fever: bool = False) -> bytes:
    return json.dumps(
        {
            "name": f"访客{n}",
            "phone": f"138{n % 10**8:08d}",
            "temperature": "38.2" if fever else "36.5",
            "key_area_14d": False,
            "submission_id": f"bench-{n}",
        }
    ).encode()


def _ip(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _queries_per_checkin(code: str) -> int:
    """SQL statements of one check-in after a first (warming) one, as the server would run them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    path = f"/api/v1/returnees/public/checkin/{code}"
    n = 10**7
    assert (
        client.post(path, _body(n), content_type="application/json", HTTP_X_FORWARDED_FOR=_ip(n)).status_code
        == 201
    )
    with CaptureQueriesContext(connection) as ctx:
        answer = client.post(path, _body(n + 1), content_type="application/json", HTTP_X_FORWARDED_FOR=_ip(n))
        assert answer.status_code == 201
    return len(ctx.captured_queries)


def _inprocess_costs(code: str) -> dict[str, float]:
    """CPU milliseconds per request in one process through the whole Django stack (middleware, ninja,
    service, database driver): new check-ins, their repeats, and the health endpoint."""
    from django.test import Client

    client = Client()
    path = f"/api/v1/returnees/public/checkin/{code}"
    base = 2 * 10**7

    def checkin(i: int) -> None:
        answer = client.post(
            path, _body(base + i), content_type="application/json", HTTP_X_FORWARDED_FOR=_ip(base + i)
        )
        assert answer.status_code in (200, 201), answer.content

    def cpu_ms(func: Any) -> float:
        start = time.process_time()
        for i in range(INPROCESS):
            func(i)
        return round((time.process_time() - start) / INPROCESS * 1000, 3)

    client.get("/healthz")
    return {
        "inprocess_checkin_cpu_ms": cpu_ms(checkin),
        "inprocess_repeat_cpu_ms": cpu_ms(checkin),
        "inprocess_health_cpu_ms": cpu_ms(lambda i: client.get("/healthz")),
    }


def child(database_url: str, out_path: str) -> None:
    """One database: seed, measure in process, serve with gunicorn, load it, verify. Writes JSON figures."""
    from bench.bench_booking import _cpu_per_request, _env, _merged
    from bench.common import setup_django
    from bench.loadgen import build_request, run_load

    var = setup_django(database_url)
    from fangkong.core.management.commands.serve import gunicorn_argv, serving_shape
    from fangkong.core.models import AuditEvent, RateCounter
    from fangkong.project.testing import build_world
    from fangkong.returnees.models import Referral, VenueVisit
    from fangkong.returnees.services import ensure_venue

    world = build_world()
    venue = ensure_venue(actor=None, organization=world.org_b)
    os.environ["FANGKONG_TRUST_PROXY"] = "1"  # each visitor's own address (the limiter counts per address)
    from django.conf import settings

    settings.FANGKONG_TRUST_PROXY = True
    figures: dict[str, Any] = {"checkin_queries": _queries_per_checkin(venue.code)}
    figures.update(_inprocess_costs(venue.code))
    VenueVisit.objects.filter(venue=venue).delete()
    RateCounter.objects.all().delete()
    from django.db import connections

    connections.close_all()

    env = _env(database_url, var)
    env["FANGKONG_NOTIFY_BACKENDS"] = "file"
    workers, threads = serving_shape(
        sqlite=database_url.startswith("sqlite"), workers=WORKERS, threads=THREADS
    )
    port = _free_port()
    argv = [
        *gunicorn_argv(host="127.0.0.1", port=port, workers=workers, threads=threads, access_log=False),
        "--backlog",
        "2048",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    path = f"/api/v1/returnees/public/checkin/{venue.code}"
    health_request = build_request("GET", "/healthz")
    state = {"n": 0}
    sent = {"repeat": 0, "fever": 0}
    fevers_created = [0]

    def make_request(_worker: int) -> tuple[bytes, Any]:
        state["n"] += 1
        n = state["n"]
        if n % REPEAT_EVERY == 0 and n > 64:  # a double submit of an earlier check-in
            m = n - 37
            sent["repeat"] += 1
            return build_request(
                "POST", path, _body(m, fever=m % FEVER_EVERY == 1), {"X-Forwarded-For": _ip(m)}
            ), m
        fever = n % FEVER_EVERY == 1
        sent["fever"] += fever
        return build_request("POST", path, _body(n, fever=fever), {"X-Forwarded-For": _ip(n)}), n

    def on_response(tag: Any, status: int, body: bytes) -> None:
        if status == 201 and json.loads(body)["fever"]:
            fevers_created[0] += 1

    dbname = "" if database_url.startswith("sqlite") else database_url.rsplit("/", 1)[1]

    def cpu(pid: int) -> dict[str, float]:
        return _cpu_split(pid, dbname)

    audit_before = AuditEvent.objects.count()
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        run_load("127.0.0.1", port, lambda i: (health_request, None), duration_s=2, concurrency=CONNECTIONS)
        load_before = os.getloadavg()[0]
        cpu_0 = cpu(proc.pid)
        health_before = run_load(
            "127.0.0.1",
            port,
            lambda i: (health_request, None),
            duration_s=HEALTH_SECONDS,
            concurrency=CONNECTIONS,
        )
        cpu_1 = cpu(proc.pid)
        surge = run_load(
            "127.0.0.1",
            port,
            make_request,
            duration_s=SECONDS,
            concurrency=CONNECTIONS,
            on_response=on_response,
        )
        cpu_2 = cpu(proc.pid)
        health_after = run_load(
            "127.0.0.1",
            port,
            lambda i: (health_request, None),
            duration_s=HEALTH_SECONDS,
            concurrency=CONNECTIONS,
        )
        cpu_3 = cpu(proc.pid)
        load_after = os.getloadavg()[0]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    health = _merged(health_before, health_after)
    cpu_health = {
        k: round((a + b) / 2, 3)
        for (k, a), b in zip(
            _cpu_per_request(cpu_0, cpu_1, health_before.completed).items(),
            _cpu_per_request(cpu_2, cpu_3, health_after.completed).values(),
            strict=True,
        )
    }
    cpu_checkin = _cpu_per_request(cpu_1, cpu_2, surge.completed)
    created = surge.statuses.get(201, 0)
    stored = VenueVisit.objects.filter(venue=venue).count()
    fever_rows = VenueVisit.objects.filter(venue=venue, fever=True).count()
    referrals = Referral.objects.filter(visit__venue=venue).count()
    ratio = surge.throughput / health.throughput if health.throughput else 0.0
    figures.update(
        {
            "gunicorn_shape": f"{workers}x{threads}",
            "connections": CONNECTIONS,
            **health.summary("health"),
            "health_rps_before": round(health_before.throughput, 1),
            "health_rps_after": round(health_after.throughput, 1),
            **{f"health_{k}": v for k, v in cpu_health.items()},
            **surge.summary("checkin"),
            **{f"checkin_{k}": v for k, v in cpu_checkin.items()},
            "checkin_201": created,
            "checkin_200_repeat": surge.statuses.get(200, 0),
            "checkin_other_status": sum(v for k, v in surge.statuses.items() if k not in (200, 201)),
            **{f"checkin_status_{k}": v for k, v in surge.statuses.items() if k not in (200, 201)},
            "sent_repeats": sent["repeat"],
            "sent_fevers": sent["fever"],
            "checkin_rows_stored": stored,
            "lost_checkins": max(0, created - stored),
            "extra_rows": max(0, stored - created),
            "fevers_answered": fevers_created[0],
            "fever_rows": fever_rows,
            "fevers_unalerted": max(0, fever_rows - referrals),
            "audit_rows_written": AuditEvent.objects.count() - audit_before,
            "load_average_1m_before": round(load_before, 2),
            "load_average_1m_after": round(load_after, 2),
            "ratio": round(ratio, 3),
        }
    )
    Path(out_path).write_text(json.dumps(figures))


def _ok(res: dict[str, Any]) -> bool:
    return (
        res["lost_checkins"] == 0
        and res["extra_rows"] == 0
        and res["fevers_unalerted"] == 0
        and res["fever_rows"] == res["fevers_answered"]
        and res["checkin_errors"] == 0
        and res["checkin_other_status"] == 0
        # the fevers' referrals are audited, ordinary check-ins are not
        and res["audit_rows_written"] == res["fevers_answered"]
    )


def _run_child(database_url: str) -> dict[str, Any] | None:
    out = os.path.join(tempfile.mkdtemp(prefix="fangkong-bench-venue-"), "figures.json")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_venue", "--child", database_url, out], cwd=ROOT, timeout=1800
    )
    if proc.returncode != 0 or not os.path.exists(out):
        return None
    return dict(json.loads(Path(out).read_text()))


def run() -> dict[str, Any]:
    from bench.common import fresh_postgres_url

    figures: dict[str, Any] = {
        "checkin_seconds": SECONDS,
        "health_seconds_before_and_after": HEALTH_SECONDS,
        "cpu_count": os.cpu_count() or 0,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }
    dbs = os.environ.get("BENCH_VENUE_DBS", "pg,sqlite").split(",")
    met = True
    pg: dict[str, Any] | None = None
    if "pg" in dbs:
        url = fresh_postgres_url(os.environ.get("BENCH_VENUE_PG_DB", "fangkong_bench_venue"))
        if url is None:
            figures["pg_skipped"] = 1
        else:
            pg = _run_child(url)
            if pg is None:
                return {"error": "postgresql run failed", "figures": figures}
            figures.update({f"pg_{k}": v for k, v in pg.items()})
            met = met and _ok(pg)
    if "sqlite" in dbs:
        path = os.path.join(tempfile.mkdtemp(prefix="fangkong-bench-venue-sqlite-"), "bench.sqlite3")
        lite = _run_child(f"sqlite:///{path}")
        if lite is None:
            return {"error": "sqlite run failed", "figures": figures}
        figures.update({f"sqlite_{k}": v for k, v in lite.items()})
        met = met and _ok(lite)
    figures["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    result: dict[str, Any] = {
        "figures": figures,
        "goal": f"PostgreSQL: check-in/health ratio >= {GOAL_RATIO} and p99 <= {GOAL_P99_MS:.0f} ms at "
        f"{CONNECTIONS} connections; every accepted check-in stored once, every fever referred",
        "note": "load generator shares the machine with gunicorn; health and check-in phases hit the same server",
    }
    if pg is not None:
        met = met and pg["ratio"] >= GOAL_RATIO and pg["checkin_p99_ms"] <= GOAL_P99_MS
        result["ratio"] = pg["ratio"]
    result["met"] = met
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        print(json.dumps(run(), indent=1))
