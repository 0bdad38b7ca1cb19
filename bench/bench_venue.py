"""A morning surge at a venue's public check-in: gunicorn on 127.0.0.1 with persistent connections, 64
concurrent keep-alive connections for 30 s against the JSON check-in endpoint
(``POST /api/v1/returnees/public/checkin/<code>``, each request a new registration written to the database
through ``services.register_visit``, the same service as the HTML form), and against the trivial health
endpoint ``/healthz`` of the same server in the same run. ratio = check-in throughput / health throughput.

Environment: BENCH_VENUE_SECONDS (default 30), BENCH_VENUE_CONNECTIONS (default 64),
BENCH_VENUE_WORKERS (default: number of CPUs, at most 8).
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


def run() -> dict:
    from bench.common import setup_django

    var = setup_django()
    from fangkong.core.testing import build_world
    from fangkong.returnees.services import ensure_venue

    world = build_world()
    venue = ensure_venue(actor=None, organization=world.org_b)
    from bench.loadgen_venue import run_load

    port = _free_port()
    env = dict(os.environ, FANGKONG_VAR_DIR=var, FANGKONG_CONN_MAX_AGE="600", FANGKONG_NOTIFY_BACKENDS="file")
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
            "8",
            "--keep-alive",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
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
            return ("POST", path, body, {"Content-Type": "application/json"})

        surge = run_load("127.0.0.1", port, checkin, connections=CONNECTIONS, seconds=SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    from fangkong.returnees.models import VenueVisit

    stored = VenueVisit.objects.filter(venue=venue).count()
    created = surge["status"].get(201, 0)
    ratio = round(surge["rps"] / max(health["rps"], 1e-9), 3)
    return {
        "figures": {
            "connections": CONNECTIONS,
            "workers": WORKERS,
            "checkin_rps": surge["rps"],
            "checkin_p50_ms": surge["p50_ms"],
            "checkin_p99_ms": surge["p99_ms"],
            "checkin_requests": surge["requests"],
            "checkin_201": created,
            "checkin_non_2xx": sum(v for k, v in surge["status"].items() if k >= 300),
            "checkin_rows_stored": stored,
            "health_rps": health["rps"],
            "health_p50_ms": health["p50_ms"],
            "health_p99_ms": health["p99_ms"],
        },
        "ratio": ratio,
        "goal": "every accepted check-in stored; ratio reported",
        "met": stored == created and surge["connection_errors"] == 0,
    }
