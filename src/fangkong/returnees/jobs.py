"""The returnees app's periodic jobs: missed reports after each report slot closes, referrals left pending,
and isolations that end and wait for their sign-off."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import notify
from fangkong.core.jobs import CATCH_UP_EACH, Job, register


def missed_reports(period: dt.datetime) -> dict[str, int]:
    from fangkong.returnees.services import generate_missed_report_tasks

    return {"tasks": generate_missed_report_tasks(now=period)}


def referrals_pending(period: dt.datetime) -> dict[str, int]:
    """A referral still pending after FANGKONG_REFERRAL_PENDING_HOURS goes to HQ, once."""
    from fangkong.returnees.choices import ReferralOutcome
    from fangkong.returnees.models import Referral

    hours = getattr(settings, "FANGKONG_REFERRAL_PENDING_HOURS", 4)
    cutoff = period - dt.timedelta(hours=hours)
    sent = 0
    pending = Referral.objects.filter(outcome=ReferralOutcome.PENDING, created_at__lte=cutoff).select_related(
        "neighborhood"
    )
    for ref in pending.order_by("id")[:500]:
        where = ref.neighborhood.name if ref.neighborhood_id else ""
        link = reverse("returnees:isolation_detail", args=[ref.isolation_id]) if ref.isolation_id else ""
        sent += len(
            notify.alert(
                kind="returnees.referral_pending",
                subject=_("转诊超过 %(h)d 小时未处理：%(where)s %(name)s")
                % {"h": hours, "where": where, "name": ref.person_name},
                body=ref.reason,
                recipients=notify.hq_of(ref.subdistrict_id),
                key=f"returnees.referral_pending:{ref.pk}",
                link=link,
                subdistrict_id=ref.subdistrict_id,
                neighborhood_id=ref.neighborhood_id,
                level=notify.LEVEL_HQ,
                urgent=True,
            )
        )
    return {"alerts": sent}


def isolations_ending(period: dt.datetime) -> dict[str, int]:
    """Isolations ending today or earlier that are not signed off yet: the committee is told, once each."""
    from fangkong.returnees.choices import IsolationStatus
    from fangkong.returnees.models import Isolation

    today = timezone.localtime(period).date()
    sent = 0
    rows = Isolation.objects.filter(status=IsolationStatus.ACTIVE, end_date__lte=today).select_related(
        "declaration", "neighborhood"
    )
    for iso in rows.order_by("end_date", "id")[:2000]:
        sent += len(
            notify.alert(
                kind="returnees.isolation_ending",
                subject=_("隔离期满待签字解除：%(name)s（%(d)s 期满）")
                % {"name": iso.declaration.name, "d": iso.end_date.isoformat()},
                recipients=notify.committee_of(iso.subdistrict_id, iso.neighborhood_id),
                key=f"returnees.isolation_ending:{iso.pk}",
                link=reverse("returnees:isolation_detail", args=[iso.pk]),
                subdistrict_id=iso.subdistrict_id,
                neighborhood_id=iso.neighborhood_id,
                level=notify.LEVEL_COMMITTEE,
            )
        )
    return {"alerts": sent}


def register_jobs() -> None:
    register(
        Job(
            "returnees.missed_reports",
            gettext_lazy("漏报生成跟进任务"),
            missed_reports,
            "daily 00:05 12:05",
            catch_up=CATCH_UP_EACH,
        ),
        Job("returnees.referral_pending", gettext_lazy("转诊超时升级"), referrals_pending, "every 15m"),
        Job(
            "returnees.isolation_ending", gettext_lazy("隔离期满待解除提醒"), isolations_ending, "daily 08:00"
        ),
        Job(
            "returnees.lift_suspensions",
            gettext_lazy("暂停探视到期自动恢复"),
            lift_suspensions,
            "daily 00:10",
            catch_up=CATCH_UP_EACH,
        ),
    )
    from fangkong.core.figures import register_figures

    register_figures(returnee_figures)


def returnee_figures(subdistrict_id: int, day: dt.date) -> list[tuple[int | None, str, float]]:
    from django.db.models import Count

    from fangkong.core.figures import grouped
    from fangkong.returnees.choices import IsolationStatus
    from fangkong.returnees.models import Declaration, FollowUpTask, Isolation, Referral

    def per_hood(qs):
        return qs.values("neighborhood_id").annotate(n=Count("id")).values_list("neighborhood_id", "n")

    base = {"subdistrict_id": subdistrict_id}
    return [
        *grouped(
            per_hood(Declaration.objects.filter(**base, created_at__date=day)), "returnees.declarations"
        ),
        *grouped(
            per_hood(
                Isolation.objects.filter(**base, start_date__lte=day, end_date__gte=day).exclude(
                    status=IsolationStatus.RELEASED, released_at__date__lt=day
                )
            ),
            "returnees.isolated",
        ),
        *grouped(per_hood(Referral.objects.filter(**base, created_at__date=day)), "returnees.fevers"),
        *grouped(per_hood(FollowUpTask.objects.filter(**base, day=day)), "returnees.missed_reports"),
    ]


def lift_suspensions(period: dt.datetime) -> dict[str, int]:
    """Venues whose visit suspension ended before today open to visitors again (audited, by the system)."""
    from fangkong.returnees.models import Venue
    from fangkong.returnees.services import suspend_visits

    today = timezone.localtime(period).date()
    lifted = 0
    for venue in Venue.objects.filter(visits_suspended_from__isnull=False, visits_suspended_until__lt=today):
        suspend_visits(actor=None, venue=venue, from_date=None, note="")
        lifted += 1
    return {"lifted": lifted}
