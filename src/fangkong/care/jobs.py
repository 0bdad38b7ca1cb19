"""The care app's periodic job: the weekly deliveries missed so far this week, told to the committee once
per person and week."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.core.jobs import Job, register


def missed_deliveries(period: dt.datetime) -> dict[str, int]:
    from fangkong.care.services import alert_missed_deliveries

    return {"missed": alert_missed_deliveries(today=timezone.localtime(period).date())}


def register_jobs() -> None:
    register(
        Job("care.missed_deliveries", gettext_lazy("关爱对象漏送提醒"), missed_deliveries, "daily 08:30")
    )
