"""Run the benchmarks: `python -m bench [name ...]` (or `make bench ONLY=name`).

Each benchmark is a module ``bench/bench_<name>.py`` with a ``run() -> dict`` function. It runs in its own
process (its own settings and database) and its result is written to ``var/bench/<name>.json``. A result
holds ``figures`` (a flat dict), and where the benchmark has a goal, ``ratio``, ``goal`` and ``met``.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def available() -> list[str]:
    return sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(ROOT / "bench")])
        if m.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    names = [a for a in argv if a] or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.runner", name], cwd=ROOT)
        path = OUT / f"{name}.json"
        if proc.returncode != 0 or not path.exists():
            failed += 1
            results[name] = {"error": f"exit {proc.returncode}"}
            continue
        results[name] = json.loads(path.read_text())
        results[name].setdefault("wall_s", round(time.perf_counter() - started, 2))
    print()
    print(f"{'benchmark':<22} {'figure':<42} {'value':>14}")
    print("-" * 80)
    for name, res in results.items():
        rows = list(res.get("figures", {}).items())
        for key in ("ratio", "goal", "met"):
            if key in res:
                rows.append((key, res[key]))
        if "error" in res:
            rows = [("error", res["error"])]
        for i, (key, value) in enumerate(rows):
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            print(f"{name if i == 0 else '':<22} {key:<42} {shown:>14}")
    print()
    print(json.dumps(results, ensure_ascii=False, indent=1))
    (OUT / "all.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
