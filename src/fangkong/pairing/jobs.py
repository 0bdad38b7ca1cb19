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

    return {"overdue": len(detect_overdue(now=period + dt.timedelta(seconds=1)))}


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
    from fangkong.core.figures import register_figures

    register_figures(checkin_figures)


def checkin_figures(subdistrict_id: int, day: dt.date) -> list[tuple[int | None, str, float]]:
    from django.db.models import Count, Q

    from fangkong.core.figures import grouped
    from fangkong.pairing.choices import RoundStatus
    from fangkong.pairing.models import CheckInRound

    rows = list(
        CheckInRound.objects.filter(subdistrict_id=subdistrict_id, date=day)
        .values("neighborhood_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(status=RoundStatus.DONE)),
            overdue=Count("id", filter=Q(status=RoundStatus.OVERDUE)),
        )
        .values_list("neighborhood_id", "n", "done", "overdue")
    )
    return [
        *grouped([(r[0], r[1]) for r in rows], "pairing.checkins"),
        *grouped([(r[0], r[2]) for r in rows], "pairing.checkins_done"),
        *grouped([(r[0], r[3]) for r in rows], "pairing.checkins_overdue"),
    ]
