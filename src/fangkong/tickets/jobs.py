"""The tickets app's periodic job: the SLA sweep."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from fangkong.core.jobs import Job, register


def sla_sweep(period: dt.datetime) -> dict[str, int]:
    from fangkong.tickets.services import sweep_sla

    return sweep_sla(now=period)


def register_jobs() -> None:
    register(Job("tickets.sla", gettext_lazy("应急报修时限提醒"), sla_sweep, "every 1m"))
