"""The inspections app's dashboard figures (``core.catalogue``): premises visited, firms dissuaded, forms handed
out and notices posted (the keys the bulletin reads), the day's visits and early openings, firms open early
or under supervision, and who has not been phoned today.

The bulletin sums a flow over its period. So that a period's sum is a number of premises (or firms), not of
visits, a premises counts on the day of its first submitted visit and a firm on the day of its first
dissuasion: over the whole campaign the sums are the article's 22 premises and 31 firms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.catalogue import (
    STOCK,
    Capability,
    Event,
    Family,
    Figure,
    Laggard,
    register_capability,
    register_events,
    register_family,
    register_laggards,
)


def _model(label: str) -> Any:
    def get() -> Any:
        from django.apps import apps

        return apps.get_model(label)

    return get


def _submitted() -> Any:
    from fangkong.inspections.choices import VisitState
    from fangkong.inspections.models import Visit

    return Visit.objects.filter(state=VisitState.SUBMITTED)


def _premises_first_visited(base: Any, day: dt.date) -> Any:
    visits = _submitted().filter(premises=OuterRef("pk"))
    return base.filter(Exists(visits.filter(day=day))).exclude(Exists(visits.filter(day__lt=day)))


def _firms_first_dissuaded(base: Any, day: dt.date) -> Any:
    dissuasions = _submitted().filter(firm=OuterRef("pk"), dissuaded=True)
    return base.filter(Exists(dissuasions.filter(day=day))).exclude(Exists(dissuasions.filter(day__lt=day)))


def _visits(base: Any, day: dt.date) -> Any:
    from fangkong.inspections.choices import VisitState

    return base.filter(state=VisitState.SUBMITTED, day=day)


def _open_firms(base: Any, day: dt.date) -> Any:
    from fangkong.inspections.choices import FirmStatus

    return base.filter(merged_into__isnull=True, status__in=(FirmStatus.EARLY, FirmStatus.SUPERVISED))


def _premises_row(obj: Any) -> tuple[str, str]:
    return (obj.name, reverse("inspections:firm_list") + f"?premises={obj.pk}")


def _firm_row(obj: Any) -> tuple[str, str]:
    return (
        f"{obj.organization.name} · {obj.get_status_display()}",
        reverse("inspections:firm_detail", args=[obj.pk]),
    )


def _visit_row(obj: Any) -> tuple[str, str]:
    target = obj.firm.organization.name if obj.firm_id else (obj.premises.name if obj.premises_id else "")
    counts = f"{obj.forms_handed}/{obj.notices_posted}"
    return (f"{target} · {obj.team or '—'} · {counts}", reverse("inspections:visit_detail", args=[obj.pk]))


def register_dashboard() -> None:
    from fangkong.inspections.choices import FirmStatus

    register_capability(Capability("inspections", _("楼宇园区排摸"), order=50))
    register_laggards(calls_not_made)
    register_events(day_events)
    register_family(
        Family(
            name="inspections.premises",
            capability="inspections",
            model=_model("registry.Premises"),
            records=_premises_first_visited,
            figures=(Figure("inspections.premises_visited", _("新走访楼宇（园区）"), "处"),),
            row=_premises_row,
        )
    )
    register_family(
        Family(
            name="inspections.dissuaded",
            capability="inspections",
            model=_model("inspections.Firm"),
            records=_firms_first_dissuaded,
            figures=(Figure("inspections.firms_dissuaded", _("劝阻暂停营业企业"), "家"),),
            row=_firm_row,
            select_related=("organization",),
        )
    )
    register_family(
        Family(
            name="inspections.visits",
            capability="inspections",
            model=_model("inspections.Visit"),
            records=_visits,
            figures=(
                Figure("inspections.visits", _("巡查次数"), "次"),
                Figure("inspections.early_openings", _("发现提前复工"), "家", Q(open_early=True)),
                Figure("inspections.forms_handed_out", _("发放健康登记表"), "份", sum_field="forms_handed"),
                Figure("inspections.notices_posted", _("张贴告知单"), "份", sum_field="notices_posted"),
            ),
            row=_visit_row,
            select_related=("firm__organization", "premises"),
        )
    )
    register_family(
        Family(
            name="inspections.open_firms",
            capability="inspections",
            model=_model("inspections.Firm"),
            records=_open_firms,
            figures=(
                Figure(
                    "inspections.firms_open_early",
                    _("提前复工未停工企业"),
                    "家",
                    Q(status=FirmStatus.EARLY),
                    kind=STOCK,
                    behind_above=0,
                ),
                Figure(
                    "inspections.firms_supervised",
                    _("督查中企业"),
                    "家",
                    Q(status=FirmStatus.SUPERVISED),
                    kind=STOCK,
                ),
            ),
            row=_firm_row,
            select_related=("organization",),
        )
    )


def calls_not_made(user: Any, day: dt.date) -> list[Laggard]:
    """Today's call list: the firms nobody has phoned yet, per neighborhood (one query)."""
    from django.db.models import Count

    from fangkong.inspections import access, machine
    from fangkong.inspections.models import Call, Firm

    if not access.may_manage(user):  # the call list is the office's (and HQ's) duty
        return []
    rows = (
        Firm.objects.visible_to(user)
        .filter(merged_into__isnull=True, status__in=machine.ON_CALL_LIST)
        .exclude(Exists(Call.objects.filter(firm=OuterRef("pk"), day=day)))
        .values("neighborhood_id")
        .annotate(n=Count("pk"))
        .order_by("neighborhood_id")
    )
    link = reverse("inspections:call_list") + "?show=not_called"
    return [Laggard(r["neighborhood_id"], "", _("今日未打电话企业"), r["n"], link) for r in rows if r["n"]]


def day_events(subdistrict_id: int, day: dt.date) -> list[Event]:
    """The day's dissuasions and escalations to the special supervision team (firm names only)."""
    from fangkong.inspections.models import SupervisionCase

    out: list[Event] = []
    dissuasions = (
        _submitted()
        .filter(subdistrict_id=subdistrict_id, day=day, dissuaded=True)
        .select_related("firm__organization", "neighborhood")
        .order_by("visited_at", "pk")
    )
    for visit in dissuasions:
        out.append(
            Event(
                visit.visited_at,
                visit.neighborhood.name if visit.neighborhood_id else "",
                _("劝阻停工"),
                f"{visit.firm.organization.name if visit.firm_id else ''} · {visit.get_signature_display() or '—'}",
            )
        )
    cases = (
        SupervisionCase.objects.filter(subdistrict_id=subdistrict_id, created_at__date=day)
        .select_related("firm__organization", "neighborhood")
        .order_by("created_at", "pk")
    )
    for case in cases:
        out.append(
            Event(
                case.created_at,
                case.neighborhood.name if case.neighborhood_id else "",
                _("移交专项督查组"),
                f"{case.firm.organization.name} · {case.deadline}",
            )
        )
    return out
