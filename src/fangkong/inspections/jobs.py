"""The inspections app's periodic job: overdue supervision cases alert their owner and HQ, once a day."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from fangkong.core.jobs import Job, register


def cases_overdue(period: dt.datetime) -> dict[str, int]:
    from fangkong.inspections.services import alert_overdue_cases

    return {"alerts": alert_overdue_cases(now=period)}


def register_jobs() -> None:
    register(Job("inspections.case_overdue", gettext_lazy("督查案件逾期提醒"), cases_overdue, "daily 08:30"))
