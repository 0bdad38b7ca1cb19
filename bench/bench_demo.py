"""Demo generation at sub-district scale: seconds into a fresh SQLite database (and PostgreSQL when a local
server answers), rows per second and the count of each model. Goal: under a minute (ratio = seconds / 60).

Other processes on the machine stretch the wall-clock figure; ``*_process_cpu_seconds`` is the CPU time of
the generating process (for SQLite that includes the database work). Each database leg runs in its own process (its own settings). The registry and the domain apps' demo data
are timed separately; the goal counts the whole generation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 60.0


def leg(database_url: str | None) -> dict:
    from bench.common import setup_django

    setup_django(database_url)
    from fangkong.project import demo

    cpu = time.process_time()
    result = demo.build_demo(scale="subdistrict")
    cpu = time.process_time() - cpu
    rows = sum(result.counts.values())
    return {
        "seconds": round(result.seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "registry_seconds": round(result.registry_seconds, 2),
        "apps_seconds": round(sum(result.app_seconds.values()), 2),
        "app_seconds": {k: round(v, 2) for k, v in result.app_seconds.items()},
        "rows": rows,
        "rows_per_s": round(rows / result.registry_seconds),
        "counts": result.counts,
    }


def _run_leg(database_url: str | None) -> dict:
    code = (
        f"import json; from bench.bench_demo import leg; print('RESULT', json.dumps(leg({database_url!r})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"demo leg failed:\n{proc.stdout}\n{proc.stderr}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def run() -> dict:
    from bench.common import fresh_postgres_url

    figures: dict[str, float | int] = {}
    legs = {"sqlite": _run_leg(None)}
    pg = fresh_postgres_url("fangkong_bench_demo")
    if pg:
        legs["postgres"] = _run_leg(pg)
    for name, res in legs.items():
        figures[f"{name}_seconds"] = res["seconds"]
        figures[f"{name}_process_cpu_seconds"] = res["cpu_seconds"]
        figures[f"{name}_registry_seconds"] = res["registry_seconds"]
        figures[f"{name}_apps_seconds"] = res["apps_seconds"]
        figures[f"{name}_rows"] = res["rows"]
        figures[f"{name}_registry_rows_per_s"] = res["rows_per_s"]
        for app, seconds in res["app_seconds"].items():
            figures[f"{name}_app_{app}_seconds"] = seconds
    for label, count in sorted(legs["sqlite"]["counts"].items()):
        figures[f"count_{label}"] = count
    seconds = legs["sqlite"]["seconds"]
    ratio = round(seconds / GOAL_SECONDS, 3)
    return {"figures": figures, "ratio": ratio, "goal": 1.0, "met": ratio <= 1.0}
