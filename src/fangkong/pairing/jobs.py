"""The pairing app's periodic jobs: tomorrow's check-in rounds, and overdue check-in alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
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


def propose_runner(task: Any, progress: Any) -> Any:
    """The ``pairing.propose`` long task: run the pairing optimiser for the HQ user who asked."""
    from fangkong.core.exceptions import ScopeError
    from fangkong.core.longtasks import Outcome, Refused
    from fangkong.pairing import access
    from fangkong.pairing.choices import ProposalStatus, solver_label
    from fangkong.pairing.services import propose_pairings
    from fangkong.registry.models import SubDistrict

    user = task.user
    sub = SubDistrict.objects.visible_to(user).filter(pk=task.params.get("subdistrict_id")).first()
    if sub is None or not access.is_hq(user):
        raise Refused(_("无权进行结对优化。"))
    try:
        proposal = propose_pairings(
            actor=user, subdistrict=sub, time_limit=float(task.params.get("time_limit") or 10)
        )
    except (PermissionDenied, ScopeError):
        raise Refused(_("无权进行结对优化。"))
    link = reverse("pairing:proposal", args=[proposal.pk])
    if proposal.status == ProposalStatus.INFEASIBLE:
        return Outcome(
            subject=_("结对优化无可行方案：%(sub)s") % {"sub": sub.name},
            body=proposal.explanation,
            link=link,
            result={"proposal": proposal.pk, "solver": proposal.solver_status},
        )
    label = solver_label(proposal.solver_status, proposal.gap)
    return Outcome(
        subject=_("结对方案已生成（%(s)s）：%(sub)s") % {"s": label, "sub": sub.name},
        link=link,
        result={"proposal": proposal.pk, "solver": proposal.solver_status},
    )


def roster_runner(task: Any, progress: Any) -> Any:
    """The ``pairing.roster`` long task: solve a roster for the user who may edit it."""
    from fangkong.core.exceptions import ScopeError
    from fangkong.core.longtasks import Outcome, Refused
    from fangkong.pairing import access, reports
    from fangkong.pairing.choices import solver_label
    from fangkong.pairing.services import solve_roster

    user = task.user
    roster = reports.rosters_for(user).filter(pk=task.params.get("roster_id")).first()
    if roster is None or not access.may_edit_roster(user, roster):
        raise Refused(_("无权求解该值班表。"))
    try:
        roster = solve_roster(
            actor=user, roster=roster, time_limit=float(task.params.get("time_limit") or 10)
        )
    except (PermissionDenied, ScopeError):
        raise Refused(_("无权求解该值班表。"))
    link = reverse("pairing:roster", args=[roster.pk])
    result = {"roster": roster.pk, "solver": roster.solver_status}
    if roster.solver_status in ("optimal", "feasible"):
        label = solver_label(roster.solver_status, roster.gap)
        return Outcome(
            subject=_("排班完成（%(s)s）：%(name)s") % {"s": label, "name": roster.name},
            link=link,
            result=result,
        )
    raise Refused(roster.explanation or _("排班未完成。"), link)


def register_jobs() -> None:
    from fangkong.core import longtasks

    longtasks.register("pairing.propose", propose_runner)
    longtasks.register("pairing.roster", roster_runner)
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
