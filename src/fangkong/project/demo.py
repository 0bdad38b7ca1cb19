"""The demo across the apps: the registry's demo sub-district first (``fangkong.registry.demo``), then each
domain app's ``fangkong.<app>.demo.seed(subdistrict, *, rng, scale)`` (``scale`` is one of ``SCALES``), all in
one transaction. An app without a demo module is skipped; an error in a seed is reported and re-raised, which
rolls the whole generation back.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.db import transaction

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.registry.demo import (
    DEFAULT_SEED,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    SCALES,
    build_registry,
    demo_account_rows,
    demo_exists,
    format_accounts,
)
from fangkong.registry.models import SubDistrict

__all__ = [
    "DEFAULT_SEED",
    "DEMO_ACCOUNTS",
    "DEMO_APPS",
    "DEMO_PASSWORD",
    "SCALES",
    "DemoResult",
    "build_demo",
    "demo_account_rows",
    "demo_exists",
    "format_accounts",
    "run_app_seeds",
]

# The domain apps whose demo seeds run after the registry, in this order (later apps use earlier ones' data).
DEMO_APPS = ("pairing", "masks", "returnees", "care", "tickets", "inspections", "command")


@dataclass
class DemoResult:
    subdistricts: list[SubDistrict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    registry_seconds: float = 0.0
    app_seconds: dict[str, float] = field(default_factory=dict)
    snapshot_seconds: float = 0.0  # the figures snapshot of the recent days
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def build_demo(
    *,
    scale: str = "subdistrict",
    seed: int = DEFAULT_SEED,
    households: int | None = None,
    residents: int | None = None,
    run_apps: bool = True,
    log: Callable[[str], None] | None = None,
) -> DemoResult:
    """Generate the demo district in one transaction and return what was written."""
    say = log or (lambda _msg: None)
    started = time.perf_counter()
    with transaction.atomic():
        registry = build_registry(scale=scale, seed=seed, households=households, residents=residents, log=say)
        result = DemoResult(
            subdistricts=registry.subdistricts, counts=registry.counts, accounts=registry.accounts
        )
        result.registry_seconds = time.perf_counter() - started
        if run_apps:
            for sub in result.subdistricts:
                for app, seconds in run_app_seeds(sub, seed=seed, scale=scale, log=say).items():
                    result.app_seconds[app] = result.app_seconds.get(app, 0.0) + seconds
            result.snapshot_seconds = snapshot_recent_days(result.subdistricts)
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            obj=result.subdistricts[0],
            object_repr=f"演示数据（{scale}）",
            changes={"scale": scale, "seed": seed, "counts": result.counts},
            note="生成演示街道",
        )
    result.seconds = time.perf_counter() - started
    return result


SNAPSHOT_DAYS = 14


def snapshot_recent_days(subdistricts: list[SubDistrict]) -> float:
    """The figures snapshot of the last ``SNAPSHOT_DAYS`` days, so the demo's trends, bulletins and district
    roll-up have figures from the start (the jobs keep them up to date afterwards)."""
    from django.utils import timezone

    from fangkong.core import figures

    started = time.perf_counter()
    today = timezone.localdate()
    ids = [sub.pk for sub in subdistricts]
    for back in range(SNAPSHOT_DAYS - 1, -1, -1):
        figures.snapshot(today - dt.timedelta(days=back), subdistrict_ids=ids)
    return time.perf_counter() - started


def run_app_seeds(sub: SubDistrict, *, seed: int, scale: str, log: Callable[[str], None]) -> dict[str, float]:
    """Call ``fangkong.<app>.demo.seed`` for each installed app that has one; return seconds per app."""
    timings: dict[str, float] = {}
    for app in DEMO_APPS:
        if not django_apps.is_installed(f"fangkong.{app}"):
            continue
        module_name = f"fangkong.{app}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        seed_func = getattr(module, "seed", None)
        if seed_func is None:
            continue
        log(f"{sub.name}: {app} …")
        started = time.perf_counter()
        try:
            with transaction.atomic():
                seed_func(sub, rng=random.Random(f"{seed}:{sub.code}:{app}"), scale=scale)
        except Exception:
            print(f"演示数据：{app} 的 seed() 出错：", file=sys.stderr)
            traceback.print_exc()
            raise
        timings[app] = time.perf_counter() - started
    return timings
