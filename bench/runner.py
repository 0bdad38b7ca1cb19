"""Run one benchmark module in this process and write its JSON result."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(name: str) -> None:
    module = importlib.import_module(f"bench.bench_{name}")
    result = module.run()
    result.setdefault("name", name)
    out = ROOT / "var" / "bench" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
