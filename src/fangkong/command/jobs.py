"""The command app's jobs: the evening daily report of every sub-district, and the on-demand regeneration of a
past day's report as a long task with its progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.command import rollup
from fangkong.core.jobs import CATCH_UP_EACH, Job, register


def daily_reports(period: dt.datetime) -> dict[str, Any]:
    """Each sub-district's report of the period's day (after the day's snapshot at 23:55)."""
    from django.apps import apps

    from fangkong.command.services import generate_daily_report

    day = timezone.localtime(period).date()
    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    made = 0
    for sub in subdistrict_model.objects.order_by("pk"):
        generate_daily_report(actor=None, subdistrict=sub, day=day)
        made += 1
    return {"day": day.isoformat(), "reports": made}


def report_runner(task: Any, progress: Any) -> Any:
    """The ``command.daily_report`` long task: regenerate one past day's report for the HQ user who asked."""
    from django.apps import apps

    from fangkong.command import access
    from fangkong.command.services import generate_daily_report
    from fangkong.core.longtasks import Outcome, Refused

    user = task.user
    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    sub = subdistrict_model.objects.visible_to(user).filter(pk=task.params.get("subdistrict_id")).first()
    try:
        day = dt.date.fromisoformat(str(task.params.get("day")))
    except ValueError:
        raise Refused(_("日期不正确。"))
    if sub is None or not access.may_generate_report(user, sub.pk) or day > timezone.localdate():
        raise Refused(_("无权生成该街道的日报。"))
    progress(0, 2, force=True)
    report = generate_daily_report(actor=user, subdistrict=sub, day=day)
    progress(2, 2, force=True)
    return Outcome(
        subject=_("日报已生成：%(sub)s %(day)s") % {"sub": sub.name, "day": day.isoformat()},
        link=reverse("command:report", args=[report.pk]),
        done=2,
        result={"report": report.pk, "pages": report.pages},
    )


def register_jobs() -> None:
    from fangkong.core import longtasks

    longtasks.register("command.daily_report", report_runner)
    register(
        Job(
            "command.daily_report",
            gettext_lazy("生成各街道日报"),
            daily_reports,
            "daily 23:58",
            catch_up=CATCH_UP_EACH,
        ),
        Job(
            rollup.REFRESH_JOB,
            gettext_lazy("刷新今日指标（区级汇总）"),
            rollup.refresh_today_job,
            "every 10m",
        ),
    )
