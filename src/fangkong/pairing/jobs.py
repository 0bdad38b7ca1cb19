"""The pairing app's periodic jobs: tomorrow's check-in rounds, and overdue check-in alerts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.core.jobs import CATCH_UP_EACH, Job, register


def generate_tomorrow(period: dt.datetime) -> dict[str, int]:
    """Today's and tomorrow's rounds for every sub-district with check-in tasks (running twice adds nothing,
    so a worker that was down also fills in today)."""
    from fangkong.pairing.models import TaskTemplate
    from fangkong.pairing.services import generate_rounds
    from fangkong.registry.models import SubDistrict

    today = timezone.localtime(period).date()
    created = 0
    subs = SubDistrict.objects.filter(
        pk__in=TaskTemplate.objects.filter(active=True).values("subdistrict_id")
    )
    for sub in subs:
        created += generate_rounds(actor=None, subdistrict=sub, start=today, days=2)
    return {"created": created}


def overdue(period: dt.datetime) -> dict[str, int]:
    from fangkong.pairing.services import detect_overdue

    return {"overdue": len(detect_overdue(now=min(period, timezone.now()) + dt.timedelta(seconds=1)))}


def register_jobs() -> None:
    register(
        Job(
            "pairing.generate_rounds",
            gettext_lazy("生成今明两天的打卡轮次"),
            generate_tomorrow,
            "daily 00:05 18:00",
            catch_up=CATCH_UP_EACH,
        ),
        Job("pairing.overdue", gettext_lazy("逾期打卡提醒"), overdue, "every 5m"),
    )
