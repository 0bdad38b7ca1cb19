"""The care app's two hot spots.

1. The care register (``/care/``) and the week's missed-delivery list (``/care/missed/``) as a committee
   member: the SQL statements of one page at 300 and at 30,000 people in care (the same number: the pages
   count and page in the database, one query per kind of row).
2. The public volunteer sign-up (``POST /api/v1/care/public/volunteer-signups``, ``volunteers.sign_up``) and
   the online briefing check-in (``POST /api/v1/care/public/briefings/<code>/check-in``,
   ``briefings.check_in``) under a burst of 64 keep-alive connections against gunicorn, each against the
   health endpoint ``/healthz`` of the same server in the same run: ratio = the slower of the two / health
   (goal >= 0.3). One request in 20 repeats an earlier one (a double submit): it must store nothing, so the
   stored rows have no duplicate (``signup_duplicates``: phones with more than one sign-up waiting, or
   submissions stored twice; ``checkin_duplicates``: a name counted twice in a branch). All requests come
   from the one address of the load generator, so the run turns the two endpoints' rate limits off
   (FANGKONG_RATE_CARE_VOLUNTEER=off, FANGKONG_RATE_CARE_BRIEFING=off); they are measured as served.

Runs on PostgreSQL when one is available (figures ``pg_*``), else on SQLite. Environment: BENCH_CARE_SECONDS
(default 20), BENCH_CARE_CONNECTIONS (64), BENCH_CARE_PEOPLE (30000), BENCH_CARE_WORKERS (CPUs, at most 8),
BENCH_CARE_THREADS (4).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from bench.bench_venue import _free_port, _wait

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_CARE_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CARE_CONNECTIONS", "64"))
PEOPLE = int(os.environ.get("BENCH_CARE_PEOPLE", "30000"))
WORKERS = int(os.environ.get("BENCH_CARE_WORKERS", str(min(os.cpu_count() or 2, 8))))
THREADS = int(os.environ.get("BENCH_CARE_THREADS", "4"))
GOAL = 0.3
BRANCHES = 25


def _in_care(world, upto: int) -> None:  # type: ignore[no-untyped-def]
    """People in care in neighborhood A, one per household, up to ``upto`` (bulk; no deliveries this week,
    so the missed list holds whoever's day is over)."""
    import datetime as dt

    from fangkong.care.models import CareRecord
    from fangkong.care.rules import week_of
    from fangkong.registry.models import Household, Resident

    have = CareRecord.objects.count()
    n = upto - have
    if n <= 0:
        return
    homes = Household.objects.bulk_create(
        [
            Household(
                subdistrict=world.sub,
                neighborhood=world.hood_a,
                building=world.building_a,
                room=f"B{have + i}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    born = dt.date(1938, 1, 1)
    people = Resident.objects.bulk_create(
        [
            Resident(
                subdistrict=world.sub,
                neighborhood=world.hood_a,
                household=h,
                name=f"老人{have + i}",
                birth_date=born,
            )
            for i, h in enumerate(homes)
        ],
        batch_size=2000,
    )
    since = week_of(dt.date.today()) - dt.timedelta(weeks=4)
    CareRecord.objects.bulk_create(
        [
            CareRecord(
                subdistrict=world.sub,
                neighborhood=world.hood_a,
                resident=r,
                reason="alone",
                weekday=i % 7,
                items="蔬菜",
                since=since,
                needs=["vegetables"],
            )
            for i, r in enumerate(people)
        ],
        batch_size=2000,
    )


def _page_queries(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(world.staff_a)
    out = {}
    for n in (300, PEOPLE):
        _in_care(world, n)
        for name, url in (("register", "/care/"), ("missed", "/care/missed/")):
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[f"{name}_queries_{n}"] = len(ctx.captured_queries)
    return out


def _briefing(world):  # type: ignore[no-untyped-def]
    import datetime as dt

    from fangkong.care import briefings
    from fangkong.registry.models import PartyBranch

    branches = [
        PartyBranch.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name=f"第{i}党支部")
        for i in range(BRANCHES)
    ]
    briefing = briefings.create_briefing(
        actor=world.hq,
        subdistrict_id=world.sub.pk,
        title="微党课",
        day=dt.date.today(),
        invited=[(b, 10) for b in branches],
    )
    return briefing, [b.pk for b in branches]


def child(database_url: str | None) -> dict:
    from bench.common import setup_django

    var = setup_django(database_url)
    from django.db.models import Count

    from fangkong.care.models import BriefingAttendance, VolunteerSignup
    from fangkong.core.testing import make_id_number
    from fangkong.project.testing import build_world

    world = build_world()
    figures: dict = dict(_page_queries(world))
    briefing, branch_ids = _briefing(world)
    rng = random.Random(14)
    ids = [make_id_number(rng) for _ in range(500)]
    hood = world.hood_a.pk

    def signup(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        k = i - 10 if i % 20 == 19 else i  # one in 20 repeats an earlier submission
        body = {
            "neighborhood_id": hood,
            "name": f"志愿者{k}",
            "phone": f"139{k:08d}",
            "id_number": ids[k % len(ids)],
            "skills": ["gate", "delivery"],
            "weekdays": [0, 2, 4],
            "submission_id": f"bench-{k}",
        }
        return (
            "POST",
            "/api/v1/care/public/volunteer-signups",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )

    def checkin(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        k = i - 10 if i % 20 == 19 else i
        body = {"name": f"党员{k}", "branch_id": branch_ids[k % len(branch_ids)]}
        return (
            "POST",
            f"/api/v1/care/public/briefings/{briefing.code}/check-in",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )

    from bench.loadgen_venue import run_load

    port = _free_port()
    env = dict(
        os.environ,
        FANGKONG_VAR_DIR=var,
        FANGKONG_CONN_MAX_AGE="600",
        FANGKONG_NOTIFY_BACKENDS="file",
        FANGKONG_RATE_CARE_VOLUNTEER="off",
        FANGKONG_RATE_CARE_BRIEFING="off",
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
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        health = run_load(
            "127.0.0.1",
            port,
            lambda i: ("GET", "/healthz", b"", {}),
            connections=CONNECTIONS,
            seconds=min(SECONDS, 10.0),
        )
        signups = run_load("127.0.0.1", port, signup, connections=CONNECTIONS, seconds=SECONDS)
        checkins = run_load("127.0.0.1", port, checkin, connections=CONNECTIONS, seconds=SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    phones_twice = (
        VolunteerSignup.objects.values("phone_hash").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    keys_twice = VolunteerSignup.objects.values("public_key").annotate(n=Count("id")).filter(n__gt=1).count()
    names_twice = (
        BriefingAttendance.objects.values("branch_id", "name").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    slower = min(signups["rps"], checkins["rps"])
    figures.update(
        {
            "people": PEOPLE,
            "connections": CONNECTIONS,
            "health_rps": health["rps"],
            "signup_rps": signups["rps"],
            "signup_p50_ms": signups["p50_ms"],
            "signup_p99_ms": signups["p99_ms"],
            "signup_202": signups["status"].get(202, 0),
            "signup_non_2xx": sum(v for k, v in signups["status"].items() if k >= 300),
            "signup_rows": VolunteerSignup.objects.count(),
            "signup_duplicates": phones_twice + keys_twice,
            "signup_ratio": round(signups["rps"] / max(health["rps"], 1e-9), 3),
            "checkin_rps": checkins["rps"],
            "checkin_p50_ms": checkins["p50_ms"],
            "checkin_p99_ms": checkins["p99_ms"],
            "checkin_200": checkins["status"].get(200, 0),
            "checkin_non_2xx": sum(v for k, v in checkins["status"].items() if k >= 300),
            "checkin_rows": BriefingAttendance.objects.count(),
            "checkin_duplicates": names_twice,
            "checkin_ratio": round(checkins["rps"] / max(health["rps"], 1e-9), 3),
            "health_ratio": round(slower / max(health["rps"], 1e-9), 3),
        }
    )
    return figures


def _run_child(database_url: str | None) -> dict | None:
    args = [sys.executable, "-m", "bench.bench_care", "--child"]
    if database_url:
        args.append(database_url)
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> dict:
    from bench.common import fresh_postgres_url

    pg_url = fresh_postgres_url("fangkong_bench_care")
    res = _run_child(pg_url)
    if res is None:
        return {"error": "run failed", "figures": {}}
    constant = all(
        res[f"{name}_queries_300"] == res[f"{name}_queries_{PEOPLE}"] for name in ("register", "missed")
    )
    met = (
        res["health_ratio"] >= GOAL
        and constant
        and res["signup_duplicates"] == 0
        and res["checkin_duplicates"] == 0
        and res["signup_non_2xx"] == 0
        and res["checkin_non_2xx"] == 0
    )
    return {
        "figures": {("pg_" if pg_url else "sqlite_") + k: v for k, v in res.items()},
        "ratio": res["health_ratio"],
        "goal": GOAL,
        "met": met,
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2] if len(sys.argv) > 2 else None)))
    else:
        print(json.dumps(run(), indent=1))
