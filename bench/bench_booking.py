"""Booking surge: gunicorn (persistent DB connections) serves the public booking endpoint while 64 keep-alive
connections book for 30 s, a mix of new households, repeats (double submits, answered 200, and another
person for the same address, refused with 409) and a few unregistered addresses, with scarce stock allocated inline. Runs on PostgreSQL and on SQLite (WAL).

Reports throughput, p50/p99 latency, duplicates, over-allocation and lost bookings (every 2xx answer must have
its row, with the same number), queries per booking, and the ratio of booking throughput to the health
endpoint's throughput measured against the same server in the same run: once before the booking phase and
once after it, pooled, so that a machine whose speed drifts during the run gives both sides the same drift.
The load generator runs on the same machine as the server and takes CPU from it; both phases share that
handicap. CPU per request is split between the app server, PostgreSQL and the load generator (Linux).

`python -m bench booking`; BENCH_BOOKING_SECONDS / BENCH_HEALTH_SECONDS / BENCH_BOOKING_DBS tune a run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.loadgen import LoadResult, build_request, run_load

ROOT = Path(__file__).resolve().parent.parent
HOUSEHOLDS = int(os.environ.get("BENCH_BOOKING_HOUSEHOLDS", "40000"))
BOOK_SECONDS = float(os.environ.get("BENCH_BOOKING_SECONDS", "30"))
HEALTH_SECONDS = float(os.environ.get("BENCH_HEALTH_SECONDS", "10"))
CONCURRENCY = 64
PEOPLE_POOL = 200_000
WORKERS = int(os.environ.get("BENCH_BOOKING_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_BOOKING_THREADS", "16"))  # threads wait on commits and row locks
MASKS_PER_HOUSEHOLD = 5
shapes: dict[str, str] = {}  # label -> "processes x threads" as `fangkong serve` chose them
INPROCESS_BOOKINGS = int(os.environ.get("BENCH_BOOKING_INPROCESS", "400"))
STOCK_HOUSEHOLDS_PER_HOOD = int(os.environ.get("BENCH_BOOKING_STOCK_PER_HOOD", "150"))  # scarce stock


# ------------------------------------------------------------------------------------------ subprocess: seed


def _seed(url: str, out_path: str) -> None:
    from bench.common import count_queries, setup_django

    setup_django(url)
    import datetime as dt

    from django.utils import timezone

    from fangkong.core.choices import Role
    from fangkong.core.testing import make_id_number, make_phone, make_user
    from fangkong.masks import services
    from fangkong.masks.models import Booking
    from fangkong.registry.models import Building, Compound, District, Household, Neighborhood, SubDistrict

    district = District.objects.create(name="虹口区", code="310109")
    sub = SubDistrict.objects.create(district=district, name="江湾镇街道", code="JW")
    hq = make_user("bench_hq", Role.HQ, subdistrict=sub)
    hoods = Neighborhood.objects.bulk_create(
        [Neighborhood(subdistrict=sub, name=f"居民区{i:02d}", code=f"{i:02d}") for i in range(10)]
    )
    compounds = Compound.objects.bulk_create(
        [Compound(subdistrict=sub, neighborhood=h, name=f"{h.name}小区{j}") for h in hoods for j in range(4)]
    )
    buildings = Building.objects.bulk_create(
        [
            Building(subdistrict=sub, neighborhood_id=c.neighborhood_id, compound=c, name=f"{k}号")
            for c in compounds
            for k in range(1, 11)
        ]
    )
    per_building = HOUSEHOLDS // len(buildings) + 1
    rows = []
    for b in buildings:
        for r in range(per_building):
            room = f"{r // 4 + 1}{r % 4 + 1:02d}"
            rows.append(Household(subdistrict=sub, neighborhood_id=b.neighborhood_id, building=b, room=room))
    Household.objects.bulk_create(rows[:HOUSEHOLDS], batch_size=2000)
    now = timezone.now()
    rnd = services.open_mask_round(
        actor=hq,
        subdistrict=sub,
        name="压测轮",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
        masks_per_household=MASKS_PER_HOUSEHOLD,
    )
    for h in hoods:
        services.add_pickup_site(
            actor=hq,
            mask_round=rnd,
            neighborhood=h,
            name=f"{h.name}药房",
            slots=[(now, now + dt.timedelta(days=2), 100000)],
        )
        if STOCK_HOUSEHOLDS_PER_HOOD <= 0:
            continue
        services.record_stock_batch(
            actor=hq, mask_round=rnd, neighborhood=h, quantity=STOCK_HOUSEHOLDS_PER_HOOD * MASKS_PER_HOUSEHOLD
        )
    addresses = list(Household.objects.order_by("id").values_list("building_id", "room"))
    # queries per booking, measured on the service against this database (the probe rows are removed after)
    from fangkong.core import ttlcache
    from fangkong.masks.models import StockBalance

    rng = random.Random(9)
    spare = list(Household.objects.order_by("-id").values_list("building_id", "room")[:4])
    spare_many = list(
        Household.objects.order_by("-id").values_list("building_id", "room")[4 : 4 + INPROCESS_BOOKINGS]
    )

    persons = [(make_id_number(rng), make_phone(rng)) for _i in spare]

    def probe(index: int) -> Any:  # the same person each time: a second call is that booker's repeat
        building_id, room = spare[index]
        id_number, phone = persons[index]
        return lambda: services.book_public(
            round_id=rnd.pk,
            building_id=building_id,
            room=room,
            name="测",
            client_ip="10.9.9.9",
            id_number=id_number,
            phone=phone,
        )

    ttlcache.clear_all()
    probe(0)()  # warm the caches
    _r, q_alloc = count_queries(probe(1))
    _r, q_repeat = count_queries(probe(1))
    StockBalance.objects.filter(round=rnd).update(balance=0)  # stock has run out
    probe(2)()
    _r, q_new = count_queries(probe(3))
    inprocess = _inprocess_costs(rnd.pk, spare_many, rng)
    Path(out_path).write_text(
        json.dumps(
            {
                "round_id": rnd.pk,
                "addresses": addresses[: len(addresses) - 4 - INPROCESS_BOOKINGS],
                **inprocess,
                "queries_new_booking": q_new,
                "queries_new_booking_with_voucher": q_alloc,
                "queries_repeat_booking": q_repeat,
            }
        )
    )
    # undo the probes: the measured run starts from a clean round with its stock
    _undo_probes(rnd, hoods)
    assert not Booking.objects.filter(round=rnd).exists()


def _inprocess_costs(round_id: int, addresses: list[tuple[int, str]], rng: random.Random) -> dict[str, float]:
    """CPU milliseconds per request inside one process, through the whole Django stack (middleware, ninja,
    service, database driver): new bookings (no stock left), repeats of them, and the health endpoint."""
    from django.test import Client

    from fangkong.core.testing import make_id_number, make_phone

    client = Client()
    path = f"/api/v1/masks/rounds/{round_id}/bookings"
    bodies = [
        json.dumps(
            {
                "name": "测",
                "id_number": make_id_number(rng),
                "phone": make_phone(rng),
                "building_id": b,
                "room": r,
            }
        )
        for b, r in addresses
    ]

    def book(i: int) -> None:
        ip = f"10.8.{i // 250}.{i % 250}"
        answer = client.generic(
            "POST", path, bodies[i], content_type="application/json", HTTP_X_FORWARDED_FOR=ip
        )
        assert answer.status_code in (200, 201), answer.content

    def cpu_ms(func: Any, n: int) -> float:
        start = time.process_time()
        for i in range(n):
            func(i)
        return round((time.process_time() - start) / max(n, 1) * 1000, 3)

    warm = min(20, len(bodies) // 4)
    for i in range(warm):
        book(i)
    n = len(bodies) - warm
    new = cpu_ms(lambda i: book(warm + i), n)
    repeat = cpu_ms(lambda i: book(warm + i), n)
    client.get("/api/v1/health")
    health = cpu_ms(lambda i: client.get("/api/v1/health"), n)
    return {
        "inprocess_new_booking_cpu_ms": new,
        "inprocess_repeat_booking_cpu_ms": repeat,
        "inprocess_health_cpu_ms": health,
    }


def _undo_probes(rnd: Any, hoods: list[Any]) -> None:
    from fangkong.core.models import Notification, RateCounter
    from fangkong.masks.models import Booking, LedgerEntry, PickupSlot, StockBalance, Voucher

    RateCounter.objects.all().delete()

    LedgerEntry.objects.filter(round=rnd).exclude(kind="received").delete()
    Voucher.objects.filter(round=rnd).delete()
    Booking.objects.filter(round=rnd).delete()
    Notification.objects.all().delete()
    PickupSlot.objects.update(issued=0)
    for h in hoods:
        StockBalance.objects.filter(round=rnd, neighborhood=h).update(
            balance=STOCK_HOUSEHOLDS_PER_HOOD * MASKS_PER_HOUSEHOLD
        )


# ---------------------------------------------------------------------------------------- subprocess: verify


def _verify(url: str, answers_path: str, out_path: str) -> None:
    from bench.common import setup_django

    os.environ["DATABASE_URL"] = url
    setup_django(url, migrate=False)
    from django.db.models import Count, Sum

    from fangkong.masks import services
    from fangkong.masks.models import Booking, MaskRound, StockBatch, Voucher

    answers = json.loads(Path(answers_path).read_text())
    rnd = MaskRound.objects.get(pk=answers["round_id"])
    rows = dict(Booking.objects.filter(round=rnd).values_list("address_key", "number"))
    by_number = set(rows.values())
    lost = 0
    split = 0  # one address answered with two different numbers
    seen: dict[str, str] = {}
    for key, number in answers["ok"]:
        if number not in by_number or rows.get(key) != number:
            lost += 1
        if seen.setdefault(key, number) != number:
            split += 1
    dup_households = (
        Booking.objects.filter(round=rnd, household__isnull=False)
        .values("household")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    dup_addresses = (
        Booking.objects.filter(round=rnd)
        .values("address_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    over = 0
    for hood_id, received in (
        StockBatch.objects.filter(round=rnd)
        .values_list("neighborhood_id")
        .annotate(q=Sum("quantity"))
        .order_by()
    ):
        promised = (
            Voucher.objects.filter(round=rnd, neighborhood_id=hood_id).aggregate(s=Sum("quantity"))["s"] or 0
        )
        over += max(0, promised - received)
    recon = services.reconcile(rnd)
    Path(out_path).write_text(
        json.dumps(
            {
                "rows": len(rows),
                "vouchers": Voucher.objects.filter(round=rnd).count(),
                "review": Booking.objects.filter(round=rnd, household__isnull=True).count(),
                "lost": lost,
                "split_answers": split,
                "duplicates": dup_households + dup_addresses + split,
                "over_allocation": over,
                "ledger_ok": all(r["ok"] for r in recon),
            }
        )
    )


# --------------------------------------------------------------------------------------------- orchestration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str, var: str) -> dict[str, str]:
    from fangkong.core.crypto import generate_key

    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "FANGKONG_VAR_DIR": var,
            "FANGKONG_CONN_MAX_AGE": "600",
            "FANGKONG_DEBUG": "0",
            "FANGKONG_SECURE_COOKIES": "0",
            "FANGKONG_NOTIFY_BACKENDS": "",
            "FANGKONG_TRUST_PROXY": "1",
            "FANGKONG_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "fangkong.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
        }
    )
    env.setdefault("FANGKONG_DATA_KEY", f"b1:{generate_key()}")
    env.setdefault("FANGKONG_HASH_KEY", generate_key())
    env.setdefault("FANGKONG_SECRET_KEY", generate_key())
    env.pop("PYTEST_VERSION", None)
    return env


def _id_number(rng: random.Random) -> str:
    from stdnum.cn import ric

    birth = f"{rng.randrange(1940, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    body = f"310109{birth}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _phone(rng: random.Random) -> str:
    return rng.choice(["135", "138", "139", "186", "150"]) + f"{rng.randrange(0, 10**8):08d}"


def _proc_cpu(pid: int) -> float:
    """User plus system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_split(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the app server (gunicorn and its workers), the local PostgreSQL server
    processes, and this process (the load generator). Linux only; empty elsewhere."""
    if not Path("/proc/self/stat").exists():
        return {}
    try:
        import pwd

        pg_uid = pwd.getpwnam("postgres").pw_uid
    except (KeyError, ImportError):
        pg_uid = -1
    server = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            stat = (entry / "stat").read_text()
            uid = entry.stat().st_uid
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if pid == server_pid or parent == server_pid:
            server += _proc_cpu(pid)
        elif uid == pg_uid:
            database += _proc_cpu(pid)
    return {"server": server, "database": database, "loadgen": sum(os.times()[:2])}


def _cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    if not before or not requests:
        return {}
    return {f"cpu_ms_{k}": round((after[k] - before[k]) / requests * 1000, 3) for k in before}


def _health_phase(port: int, server_pid: int) -> tuple[LoadResult, dict[str, float]]:
    """The baseline: the trivial health endpoint of the same server under the same 64 connections."""
    cpu_0 = _cpu_split(server_pid)
    result = run_load(
        "127.0.0.1",
        port,
        lambda i: (build_request("GET", "/api/v1/health"), None),
        duration_s=HEALTH_SECONDS,
        concurrency=CONCURRENCY,
    )
    return result, _cpu_per_request(cpu_0, _cpu_split(server_pid), result.completed)


def _merged(a: LoadResult, b: LoadResult) -> LoadResult:
    """Two runs of the same load as one: requests and time add up, latencies pool."""
    out = LoadResult(duration_s=a.duration_s + b.duration_s)
    out.completed = a.completed + b.completed
    out.errors = a.errors + b.errors
    out.statuses = a.statuses + b.statuses
    out.latencies = a.latencies + b.latencies
    return out


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")


def _one_database(label: str, url: str) -> dict[str, Any]:
    var = tempfile.mkdtemp(prefix=f"fangkong-bench-booking-{label}-")
    env = _env(url, var)
    seed_out = os.path.join(var, "seed.json")
    subprocess.run(
        [sys.executable, "-m", "bench.bench_booking", "seed", url, seed_out], cwd=ROOT, env=env, check=True
    )
    seed = json.loads(Path(seed_out).read_text())
    port = _free_port()
    # the serving configuration of `fangkong serve` (processes x threads as it chooses them), without the
    # access log; the load generator's 64 keep-alive connections need a longer backlog and keep-alive
    from fangkong.core.management.commands.serve import gunicorn_argv, serving_shape

    workers, threads = serving_shape(sqlite=url.startswith("sqlite"), workers=WORKERS, threads=THREADS)
    shapes[label] = f"{workers}x{threads}"
    gunicorn = [
        *gunicorn_argv(host="127.0.0.1", port=port, workers=workers, threads=threads, access_log=False),
        "--backlog",
        "2048",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_ready(port, proc)
        # warm every worker (caches, connections)
        run_load(
            "127.0.0.1",
            port,
            lambda i: (build_request("GET", "/api/v1/health"), None),
            duration_s=2,
            concurrency=CONCURRENCY,
        )
        health_before, cpu_health_before = _health_phase(port, proc.pid)
        addresses = [tuple(a) for a in seed["addresses"]]
        random.Random(7).shuffle(addresses)  # residents of every neighborhood book at once
        rng = random.Random(2020)
        # people are made before the run, so the load generator spends its CPU on sending, as for health
        pool = [(_id_number(rng), _phone(rng)) for _i in range(PEOPLE_POOL)]
        lock = threading.Lock()
        state = {"next": 0, "person": 0}
        booked: list[tuple[int, str]] = []
        people: dict[int, tuple[str, str]] = {}
        ok: list[tuple[str, str]] = []
        statuses: dict[str, int] = {"new": 0, "repeat": 0, "unregistered": 0}
        path = f"/api/v1/masks/rounds/{seed['round_id']}/bookings"

        def _person() -> tuple[str, str]:
            state["person"] += 1
            return pool[state["person"] % len(pool)]

        def make_request(_i: int) -> tuple[bytes, Any]:
            with lock:
                roll = rng.random()
                if roll < 0.2 and booked:
                    idx, room = rng.choice(booked)
                    kind = "repeat"
                    if rng.random() < 0.5:  # the same person submitting again
                        id_number, phone = people[idx]
                    else:  # another person: refused (409), the address is booked
                        id_number, phone = _person()
                    building_id = addresses[idx][0] if idx >= 0 else -idx
                elif roll < 0.22:
                    kind = "unregistered"
                    building_id = addresses[rng.randrange(len(addresses))][0]
                    room = f"X{rng.randrange(10**6)}"
                    idx = -int(building_id)
                    id_number, phone = _person()
                else:
                    kind = "new"
                    idx = state["next"] % len(addresses)
                    state["next"] += 1
                    building_id, room = addresses[idx]
                    id_number, phone = _person()
                    people[idx] = (id_number, phone)
                statuses[kind] += 1
            body = json.dumps(
                {
                    "name": "居民",
                    "id_number": id_number,
                    "phone": phone,
                    "building_id": building_id,
                    "room": room,
                }
            ).encode()
            ip = f"10.{(abs(idx) >> 16) & 255}.{(abs(idx) >> 8) & 255}.{abs(idx) & 255}"
            return build_request("POST", path, body, {"X-Forwarded-For": ip}), (idx, building_id, room)

        def on_response(tag: Any, status: int, body: bytes) -> None:
            idx, building_id, room = tag
            if 200 <= status < 300:
                number = json.loads(body)["number"]
                key = f"{building_id}:{room.upper()}"
                with lock:
                    ok.append((key, number))
                    if status == 201 and idx >= 0:
                        booked.append((idx, room))

        cpu_0 = _cpu_split(proc.pid)
        booking = run_load(
            "127.0.0.1",
            port,
            make_request,
            duration_s=BOOK_SECONDS,
            concurrency=CONCURRENCY,
            on_response=on_response,
        )
        cpu_booking = _cpu_per_request(cpu_0, _cpu_split(proc.pid), booking.completed)
        health_after, cpu_health_after = _health_phase(port, proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    answers_path = os.path.join(var, "answers.json")
    Path(answers_path).write_text(json.dumps({"round_id": seed["round_id"], "ok": ok}))
    verify_out = os.path.join(var, "verify.json")
    subprocess.run(
        [sys.executable, "-m", "bench.bench_booking", "verify", url, answers_path, verify_out],
        cwd=ROOT,
        env=env,
        check=True,
    )
    checked = json.loads(Path(verify_out).read_text())
    health = _merged(health_before, health_after)
    ratio = booking.throughput / health.throughput if health.throughput else 0.0
    figures: dict[str, Any] = {}
    figures.update(health.summary("health"))
    figures["health_rps_before"] = round(health_before.throughput, 1)
    figures["health_rps_after"] = round(health_after.throughput, 1)
    figures.update(
        {f"health_{k}": round((v + cpu_health_after.get(k, v)) / 2, 3) for k, v in cpu_health_before.items()}
    )
    figures.update(booking.summary("booking"))
    figures.update({f"booking_{k}": v for k, v in cpu_booking.items()})
    figures.update(
        {
            "booking_2xx": booking.statuses.get(200, 0) + booking.statuses.get(201, 0),
            "booking_201_new": booking.statuses.get(201, 0),
            "booking_200_existing": booking.statuses.get(200, 0),
            "booking_429": booking.statuses.get(429, 0),
            "booking_other_status": sum(v for k, v in booking.statuses.items() if k not in (200, 201, 429)),
            **{f"booking_status_{k}": v for k, v in booking.statuses.items() if k not in (200, 201, 429)},
            "sent_repeats": statuses["repeat"],
            "sent_unregistered": statuses["unregistered"],
            "rows": checked["rows"],
            "vouchers_issued": checked["vouchers"],
            "duplicates": checked["duplicates"],
            "over_allocation": checked["over_allocation"],
            "lost_bookings": checked["lost"],
            "ledger_reconciles": int(checked["ledger_ok"]),
            "queries_new_booking": seed["queries_new_booking"],
            "queries_new_booking_with_voucher": seed["queries_new_booking_with_voucher"],
            "queries_repeat_booking": seed["queries_repeat_booking"],
            "inprocess_new_booking_cpu_ms": seed["inprocess_new_booking_cpu_ms"],
            "inprocess_repeat_booking_cpu_ms": seed["inprocess_repeat_booking_cpu_ms"],
            "inprocess_health_cpu_ms": seed["inprocess_health_cpu_ms"],
            "ratio": round(ratio, 3),
        }
    )
    return {label + "_" + k: v for k, v in figures.items()}


def run() -> dict[str, Any]:
    from bench.common import fresh_postgres_url

    figures: dict[str, Any] = {
        "gunicorn_workers": WORKERS,
        "gunicorn_threads": THREADS,
        "gunicorn_shape": shapes,
        "connections": CONCURRENCY,
        "booking_seconds": BOOK_SECONDS,
        "households": HOUSEHOLDS,
        "stock_households_per_neighborhood": STOCK_HOUSEHOLDS_PER_HOOD,
        "cpu_count": os.cpu_count() or 0,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "load_average_5m_at_start": round(os.getloadavg()[1], 2),
    }
    dbs = os.environ.get("BENCH_BOOKING_DBS", "pg,sqlite").split(",")
    pg_ratio = None
    if "pg" in dbs:
        url = fresh_postgres_url("fangkong_bench_booking")
        if url:
            res = _one_database("pg", url)
            figures.update(res)
            pg_ratio = res["pg_ratio"]
        else:
            figures["pg_skipped"] = 1
    if "sqlite" in dbs:
        path = os.path.join(tempfile.mkdtemp(prefix="fangkong-bench-sqlite-"), "bench.sqlite3")
        figures.update(_one_database("sqlite", f"sqlite:///{path}"))
    figures["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    figures["load_average_5m_at_end"] = round(os.getloadavg()[1], 2)
    result: dict[str, Any] = {
        "figures": figures,
        "note": "load generator shares the machine with gunicorn; health and booking phases hit the same server",
    }
    if pg_ratio is not None:
        result.update({"ratio": pg_ratio, "goal": 0.3, "met": pg_ratio >= 0.3})
    return result


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        _seed(sys.argv[2], sys.argv[3])
    elif command == "verify":
        _verify(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(json.dumps(run(), indent=1))
