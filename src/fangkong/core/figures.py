"""The daily figures snapshot: each app contributes the figures of a day, the job keeps them in DailyFigure.

A provider is ``func(subdistrict_id, day) -> iterable of (neighborhood_id or None, key, value)``, registered
from an app's ``AppConfig.ready()`` with ``register_figures``. A figure with no neighborhood is the
sub-district's total. Running the snapshot again for a day replaces that day's figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

Provider = Callable[[int, dt.date], Iterable[tuple[int | None, str, float]]]
_providers: list[Provider] = []


def register_figures(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def snapshot(day: dt.date, *, subdistrict_ids: Iterable[int] | None = None) -> int:
    """Compute and store every provider's figures of ``day`` for each sub-district; returns rows stored."""
    from fangkong.core.models import DailyFigure

    ids = list(subdistrict_ids) if subdistrict_ids is not None else _all_subdistricts()
    stored = 0
    for sub_id in ids:
        rows: dict[tuple[int | None, str], float] = {}
        for provider in _providers:
            for hood_id, key, value in provider(sub_id, day):
                rows[(hood_id, key)] = float(value)
        with transaction.atomic():
            DailyFigure.objects.filter(subdistrict_id=sub_id, day=day).delete()
            DailyFigure.objects.bulk_create(
                [
                    DailyFigure(subdistrict_id=sub_id, neighborhood_id=hood, day=day, key=key, value=value)
                    for (hood, key), value in rows.items()
                ],
                batch_size=2000,
            )
        stored += len(rows)
    return stored


def _all_subdistricts() -> list[int]:
    from django.apps import apps

    model: Any = apps.get_model("registry", "SubDistrict")
    return list(model.objects.values_list("pk", flat=True))


def snapshot_job(period: dt.datetime) -> dict[str, Any]:
    day = timezone.localtime(period).date()
    return {"day": day.isoformat(), "figures": snapshot(day)}


def trend(
    subdistrict_id: int, key: str, days: int, *, until: dt.date | None = None
) -> list[tuple[dt.date, float]]:
    """The sub-district's total of ``key`` for each of the last ``days`` days (missing days are left out)."""
    from fangkong.core.models import DailyFigure

    until = until or timezone.localdate()
    since = until - dt.timedelta(days=days - 1)
    return list(
        DailyFigure.objects.filter(
            subdistrict_id=subdistrict_id, neighborhood__isnull=True, key=key, day__gte=since, day__lte=until
        )
        .order_by("day")
        .values_list("day", "value")
    )


def grouped(rows: Any, key: str) -> list[tuple[int | None, str, float]]:
    """Per-neighborhood counts plus the sub-district's total, from ``(neighborhood_id, n)`` rows."""
    out: list[tuple[int | None, str, float]] = []
    total = 0
    for hood_id, n in rows:
        out.append((hood_id, key, n))
        total += n
    out.append((None, key, total))
    return out
