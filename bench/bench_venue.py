"""A morning surge at a venue's public check-in: gunicorn on 127.0.0.1 with persistent connections, 64
concurrent keep-alive connections for 30 s against the JSON check-in endpoint
(``POST /api/v1/returnees/public/checkin/<code>``, each request a new registration written to the database
through ``services.register_visit``, the same service as the HTML form), and against the trivial health
endpoint ``/healthz`` of the same server in the same run. ratio = check-in throughput / health throughput.

The run is made twice, each in its own process with a fresh database: on SQLite (WAL, the embedded default)
and, when a local server answers, on PostgreSQL (figures prefixed ``pg_``). Each run also counts the SQL
statements of one warm check-in (``checkin_queries``, through the Django test client) and the audit rows
the surge wrote (``audit_rows_written``).

Environment: BENCH_VENUE_SECONDS (default 30), BENCH_VENUE_CONNECTIONS (default 64),
BENCH_VENUE_WORKERS (default: number of CPUs, at most 8), BENCH_VENUE_THREADS (default 8).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_VENUE_SECONDS", "30"))
HEALTH_SECONDS = min(SECONDS, 15.0)
CONNECTIONS = int(os.environ.get("BENCH_VENUE_CONNECTIONS", "64"))
WORKERS = int(os.environ.get("BENCH_VENUE_WORKERS", str(min(os.cpu_count() or 2, 8))))
THREADS = int(os.environ.get("BENCH_VENUE_THREADS", "8"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {url}")


def _queries_per_checkin(code: str) -> int:
    """SQL statements of one check-in after a first (warming) one, as the server would run them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    path = f"/api/v1/returnees/public/checkin/{code}"

    def post(n: int) -> int:
        body = {"name": "访客", "phone": "13800000000", "temperature": "36.5", "submission_id": f"q-{n}"}
        return client.post(path, json.dumps(body), content_type="application/json").status_code

    assert post(0) == 201
    with CaptureQueriesContext(connection) as ctx:
        assert post(1) == 201
    return len(ctx.captured_queries)


def child(database_url: str | None) -> dict:
    from bench.common import setup_django

    var = setup_django(database_url)
    from fangkong.core.models import AuditEvent
    from fangkong.project.testing import build_world
    from fangkong.returnees.models import VenueVisit
    from fangkong.returnees.services import ensure_venue

    world = build_world()
    venue = ensure_venue(actor=None, organization=world.org_b)
    queries = _queries_per_checkin(venue.code)
    from bench.loadgen_venue import run_load

    port = _free_port()
    # each visitor comes from its own address (the rate limiter counts per client address)
    env = dict(
        os.environ,
        FANGKONG_VAR_DIR=var,
        FANGKONG_CONN_MAX_AGE="600",
        FANGKONG_NOTIFY_BACKENDS="file",
        FANGKONG_TRUST_PROXY="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
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
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--keep-alive",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    stored_before = VenueVisit.objects.filter(venue=venue).count()
    audit_before = AuditEvent.objects.count()
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        health = run_load(
            "127.0.0.1",
            port,
            lambda i: ("GET", "/healthz", b"", {}),
            connections=CONNECTIONS,
            seconds=HEALTH_SECONDS,
        )
        path = f"/api/v1/returnees/public/checkin/{venue.code}"

        def checkin(i: int) -> tuple[str, str, bytes, dict[str, str]]:
            body = json.dumps(
                {
                    "name": f"访客{i}",
                    "phone": f"138{i % 10**8:08d}",
                    "temperature": "36.5",
                    "key_area_14d": False,
                    "submission_id": f"bench-{i}",
                }
            ).encode()
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            return ("POST", path, body, {"Content-Type": "application/json", "X-Forwarded-For": ip})

        surge = run_load("127.0.0.1", port, checkin, connections=CONNECTIONS, seconds=SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = VenueVisit.objects.filter(venue=venue).count() - stored_before
    audit_rows = AuditEvent.objects.count() - audit_before
    created = surge["status"].get(201, 0)
    return {
        "connections": CONNECTIONS,
        "gunicorn_workers": WORKERS,
        "gunicorn_threads": THREADS,
        "checkin_queries": queries,
        "checkin_rps": surge["rps"],
        "checkin_p50_ms": surge["p50_ms"],
        "checkin_p99_ms": surge["p99_ms"],
        "checkin_requests": surge["requests"],
        "checkin_201": created,
        "checkin_non_2xx": sum(v for k, v in surge["status"].items() if k >= 300),
        "checkin_rows_stored": stored,
        "audit_rows_written": audit_rows,
        "health_rps": health["rps"],
        "health_p50_ms": health["p50_ms"],
        "health_p99_ms": health["p99_ms"],
        "health_ratio": round(surge["rps"] / max(health["rps"], 1e-9), 3),
        "_connection_errors": surge["connection_errors"] + health["connection_errors"],
    }


def _run_child(database_url: str | None) -> dict | None:
    args = [sys.executable, "-m", "bench.bench_venue", "--child"]
    if database_url:
        args.append(database_url)
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ok(res: dict) -> bool:
    return res["checkin_rows_stored"] == res["checkin_201"] and res["_connection_errors"] == 0


def run() -> dict:
    from bench.common import fresh_postgres_url

    lite = _run_child(None)
    if lite is None:
        return {"error": "sqlite run failed", "figures": {}}
    figures = {k: v for k, v in lite.items() if not k.startswith("_")}
    met = _ok(lite)
    pg_url = fresh_postgres_url("fangkong_bench_venue")
    if pg_url:
        pg = _run_child(pg_url)
        if pg is None:
            met = False
        else:
            figures.update({f"pg_{k}": v for k, v in pg.items() if not k.startswith("_")})
            met = met and _ok(pg)
    return {
        "figures": figures,
        "ratio": lite["health_ratio"],
        "goal": "every accepted check-in stored; check-in/health ratio reported for SQLite and PostgreSQL",
        "met": met,
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2] if len(sys.argv) > 2 else None)))
    else:
        print(json.dumps(run(), indent=1))
