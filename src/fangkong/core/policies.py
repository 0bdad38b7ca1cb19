"""Policies, not constants: the HQ sets these per period (see core.models.Policy)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULTS: dict[str, Any] = {
    "fever_line": 37.3,
    "isolation_days": 14,
    "masks_per_household": 5,
    "earliest_resumption": "2020-02-09T24:00",
    "key_area_days": 14,
    "personal_data_retention_days": 28,
    "personal_data_purge": "report",
}

LABELS = {
    "fever_line": _("发热线 (°C)"),
    "isolation_days": _("隔离天数"),
    "masks_per_household": _("每户口罩数"),
    "earliest_resumption": _("最早复工时间"),
    "key_area_days": _("重点地区回溯天数"),
    "personal_data_retention_days": _("个人信息保留天数（目的结束后）"),
    "personal_data_purge": _("个人信息清理方式（report 预检 / apply 清理）"),
}


def display_value(key: str, value: Any) -> str:
    """A policy value as people write it: ``2020-02-09T24:00`` -> ``2020-02-09 24:00``, 37.3 -> ``37.3``."""
    if key == "earliest_resumption" and isinstance(value, str):
        return value.replace("T", " ", 1)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def get_policy(subdistrict_id: int | None, key: str, on: dt.date | None = None) -> Any:
    """The value of ``key`` in force on ``on`` (today by default) for a sub-district."""
    from fangkong.core.models import Policy

    if key not in DEFAULTS:
        raise KeyError(key)
    on = on or timezone.localdate()
    if subdistrict_id is not None:
        row = (
            Policy.objects.filter(subdistrict_id=subdistrict_id, key=key, effective_from__lte=on)
            .order_by("-effective_from")
            .values_list("value", flat=True)
            .first()
        )
        if row is not None:
            return row
    return DEFAULTS[key]


def resumption_datetime(value: str) -> dt.datetime:
    """Parse '2020-02-09T24:00' (24:00 is the end of that day) as an aware datetime in local time."""
    day, _sep, clock = value.partition("T")
    date = dt.date.fromisoformat(day)
    if clock in ("24:00", "24:00:00"):
        naive = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 0))
    else:
        naive = dt.datetime.combine(date, dt.time.fromisoformat(clock or "00:00"))
    return timezone.make_aware(naive)
