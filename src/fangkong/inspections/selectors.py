"""Reads for the pages and the API, taking the user. Lists are a fixed number of queries whatever the number
of firms (counts aggregated in SQL, rows paged)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Mod
from django.utils import timezone

from fangkong.inspections import access, machine
from fangkong.inspections.choices import (
    ApplicationStatus,
    CallOutcome,
    CaseOutcome,
    DuplicateState,
    FirmStatus,
    VisitState,
)
from fangkong.inspections.models import (
    Application,
    Call,
    DuplicatePair,
    Firm,
    StatusChange,
    SupervisionCase,
    Visit,
)
from fangkong.inspections.services import call_assignee, office_callers

COUNTS_DAYS = 14  # the counts page and API: the last two weeks up to the day asked
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


def bounded_day(day: dt.date | None) -> dt.date:
    """The day asked (today when none), kept within the years the lists can compute around (a day before
    or after it must exist)."""
    return min(max(day or timezone.localdate(), FIRST_DAY), LAST_DAY)


def firms(user: Any) -> QuerySet[Firm]:
    """The firms the user sees (merged duplicates left out)."""
    return (
        Firm.objects.visible_to(user)
        .filter(merged_into__isnull=True)
        .select_related(
            "organization", "organization__patrol_zone", "organization__premises", "neighborhood", "exempt"
        )
    )


def firm_list(
    user: Any, *, q: str = "", status: str = "", zone: str = "", premises: str = ""
) -> QuerySet[Firm]:
    qs = firms(user)
    if q:
        qs = qs.filter(
            Q(organization__name__icontains=q)
            | Q(organization__credit_code__iexact=q)
            | Q(organization__address__icontains=q)
        )
    if status in FirmStatus.values:
        qs = qs.filter(status=status)
    if zone.isdigit():
        qs = qs.filter(organization__patrol_zone_id=int(zone))
    if premises.isdigit():
        qs = qs.filter(organization__premises_id=int(premises))
    return qs.order_by("organization__name", "pk")


def firm_detail(user: Any, firm: Firm) -> dict[str, Any]:
    return {
        "changes": list(
            StatusChange.objects.visible_to(user)
            .filter(firm=firm)
            .select_related("actor")
            .order_by("-at", "-pk")[:50]
        ),
        "applications": list(
            Application.objects.visible_to(user)
            .filter(firm=firm)
            .select_related("submitted_by", "decided_by")
            .order_by("-created_at", "-pk")[:20]
        ),
        "calls": list(
            Call.objects.visible_to(user)
            .filter(firm=firm)
            .select_related("caller")
            .order_by("-called_at")[:20]
        ),
    }


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def on_list(day: dt.date) -> Q:
    """Firms on the call list of ``day`` as far as today's rows tell: registered before the day ended, and
    either still not allowed to open or allowed only after that day."""
    end = start_of(day + dt.timedelta(days=1))
    return Q(created_at__lt=end, merged_into__isnull=True) & (
        Q(status__in=machine.ON_CALL_LIST) | Q(status_at__gte=end)
    )


def missed_on(day: dt.date) -> Q:
    """On the list of ``day`` and not called that day (不漏一天、不漏一人)."""
    return on_list(day) & ~Q(Exists(Call.objects.filter(firm=OuterRef("pk"), day=day)))


@dataclass
class CallList:
    day: dt.date
    page: Any
    rows: list[dict[str, Any]]
    total: int
    called: int
    not_called: int
    missed_yesterday: int
    callers: list[Any]


def call_list(
    user: Any,
    *,
    day: dt.date | None = None,
    mine: bool = False,
    show: str = "",
    page: int = 1,
    per_page: int = 100,
) -> CallList:
    """Today's call list: every firm not yet allowed to open, its caller (round-robin), whether it was called
    today and whether it was missed yesterday; with the day's totals. Queries: callers, totals, one page."""
    from django.core.paginator import Paginator

    day = bounded_day(day)
    yesterday = day - dt.timedelta(days=1)
    sub_id = getattr(user, "subdistrict_id", None)
    callers = office_callers(sub_id) if sub_id else []
    listed: Any = (
        Firm.objects.visible_to(user)
        .filter(merged_into__isnull=True, status__in=machine.ON_CALL_LIST)
        .annotate(
            called_today=Exists(Call.objects.filter(firm=OuterRef("pk"), day=day)),
            called_yesterday=Exists(Call.objects.filter(firm=OuterRef("pk"), day=yesterday)),
        )
    )
    if mine and callers:
        ids = [u.pk for u in callers]
        if getattr(user, "pk", None) in ids:
            turn = ids.index(user.pk)
            listed = listed.annotate(
                turn=Mod(F("id") + Value(day.toordinal()), Value(len(ids)), output_field=IntegerField())
            ).filter(turn=turn)
    missed = on_list(yesterday) & Q(called_yesterday=False)
    totals = listed.aggregate(
        total=Count("pk"),
        called=Count("pk", filter=Q(called_today=True)),
        missed=Count("pk", filter=missed),
    )
    rows_qs = listed.annotate(
        missed_yesterday=ExpressionWrapper(missed, output_field=BooleanField())
    ).select_related("organization", "organization__patrol_zone")
    if show == "not_called":
        rows_qs = rows_qs.filter(called_today=False)
    elif show == "missed":
        rows_qs = rows_qs.filter(missed_yesterday=True)
    paginator = Paginator(rows_qs.order_by("pk"), per_page)
    page_obj = paginator.get_page(page)
    rows = [{"firm": f, "caller": call_assignee(day, f.pk, callers)} for f in page_obj.object_list]
    return CallList(
        day=day,
        page=page_obj,
        rows=rows,
        total=totals["total"],
        called=totals["called"],
        not_called=totals["total"] - totals["called"],
        missed_yesterday=totals["missed"],
        callers=callers,
    )


def duplicates(user: Any) -> QuerySet[DuplicatePair]:
    return (
        DuplicatePair.objects.visible_to(user)
        .filter(state=DuplicateState.OPEN)
        .select_related("firm__organization", "other__organization")
        .order_by("pk")
    )


def pending_applications(user: Any) -> QuerySet[Application]:
    return (
        Application.objects.visible_to(user)
        .filter(status=ApplicationStatus.PENDING)
        .select_related("firm__organization")
        .order_by("created_at", "pk")
    )


def status_counts(user: Any) -> dict[str, int]:
    rows = (
        Firm.objects.visible_to(user)
        .filter(merged_into__isnull=True)
        .values("status")
        .annotate(n=Count("pk"))
    )
    found = {r["status"]: r["n"] for r in rows}
    return {s: found.get(s, 0) for s in FirmStatus.values}


def call_counts(user: Any, *, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Calls made per day and zone between ``start`` and ``end`` (one query)."""
    return list(
        Call.objects.visible_to(user)
        .filter(day__gte=start, day__lte=end)
        .values("day", "firm__organization__patrol_zone__name")
        .annotate(
            calls=Count("pk"),
            firms=Count("firm", distinct=True),
            opened=Count("pk", filter=Q(outcome=CallOutcome.OPENED)),
        )
        .order_by("day", "firm__organization__patrol_zone__name")
    )


def visits(user: Any) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .select_related("firm__organization", "premises", "inspector")
        .order_by("-visited_at", "-pk")
    )


def cases(user: Any, *, show: str = "open") -> QuerySet[SupervisionCase]:
    qs = SupervisionCase.objects.visible_to(user).select_related("firm__organization", "owner")
    if show == "open":
        qs = qs.filter(outcome=CaseOutcome.OPEN)
    return qs.order_by("deadline", "pk")


def visit_counts(user: Any, *, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Submitted visits per day, zone and premises: visits, firms checked, early openings, dissuasions,
    forms handed out and notices posted (one query)."""
    return list(
        Visit.objects.visible_to(user)
        .filter(state=VisitState.SUBMITTED, day__gte=start, day__lte=end)
        .annotate(zone=Coalesce("premises__patrol_zone__name", "firm__organization__patrol_zone__name"))
        .values("day", "zone", "premises__name")
        .annotate(
            visits=Count("pk"),
            firms=Count("firm", distinct=True),
            early=Count("pk", filter=Q(open_early=True)),
            dissuaded=Count("pk", filter=Q(dissuaded=True)),
            forms=Sum("forms_handed"),
            notices=Sum("notices_posted"),
        )
        .order_by("-day", "zone", "premises__name")
    )


def visit_totals(user: Any) -> dict[str, Any]:
    """All submitted visits: premises visited, visits, dissuasions, forms, notices (one query)."""
    return (
        Visit.objects.visible_to(user)
        .filter(state=VisitState.SUBMITTED)
        .aggregate(
            premises=Count("premises", distinct=True),
            visits=Count("pk"),
            early=Count("pk", filter=Q(open_early=True)),
            dissuaded=Count("pk", filter=Q(dissuaded=True)),
            forms=Coalesce(Sum("forms_handed"), 0),
            notices=Coalesce(Sum("notices_posted"), 0),
        )
    )


def missed_by_zone(user: Any, *, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Firms on each day's list that nobody called that day, per patrol zone (``day``, ``zone``, ``missed``;
    zones with none left out): one query per day of the range (at most COUNTS_DAYS), whatever the number
    of firms."""
    out: list[dict[str, Any]] = []
    day = start
    while day <= end:
        rows = (
            Firm.objects.visible_to(user)
            .filter(missed_on(day))
            .values("organization__patrol_zone__name")
            .annotate(n=Count("pk"))
            .order_by("organization__patrol_zone__name")
        )
        out.extend(
            {"day": day, "zone": r["organization__patrol_zone__name"] or "", "missed": r["n"]} for r in rows
        )
        day += dt.timedelta(days=1)
    return out


def missed_totals(rows: list[dict[str, Any]], *, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """The per-day totals of ``missed_by_zone`` rows, every day of the range."""
    totals: dict[dt.date, int] = {}
    for r in rows:
        totals[r["day"]] = totals.get(r["day"], 0) + r["missed"]
    return [
        (start + dt.timedelta(days=i), totals.get(start + dt.timedelta(days=i), 0))
        for i in range((end - start).days + 1)
    ]


def staff_declarations(user: Any, firm: Firm, *, limit: int = 200) -> list[Any]:
    """The returnee declarations whose employer is ``firm``'s organisation (its staff), newest arrival first,
    each with the end of its active isolation (``isolation_end``, None when not isolated); masked personal
    values only. The caller has asked ``access.may_see_staff``: a firm's contact reads its own staff, and
    the office, which does not hold the returnees domain, reads a firm's staff through this one door. The
    read is audited once per page view (health data). Two queries whatever the number of declarations."""
    from django.apps import apps
    from django.db.models import Subquery

    if not apps.is_installed("fangkong.returnees"):
        return []
    from fangkong.returnees import services as returnees_services
    from fangkong.returnees.choices import IsolationStatus
    from fangkong.returnees.models import Declaration, Isolation

    if not access.may_see_staff(user, firm):
        return []
    active_end = (
        Isolation.objects.filter(declaration=OuterRef("pk"), status=IsolationStatus.ACTIVE)
        .order_by("-end_date")
        .values("end_date")[:1]
    )
    rows = list(
        Declaration.objects.filter(
            subdistrict_id=firm.subdistrict_id,
            employer_id=firm.organization_id,
            duplicate_of__isnull=True,
        )
        .annotate(isolation_end=Subquery(active_end))
        .only(
            "pk",
            "name",
            "id_number_masked",
            "phone_masked",
            "origin_name",
            "arrival_date",
            "key_area",
            "risk_level",
            "declared_at",
        )
        .order_by("-arrival_date", "-pk")[:limit]
    )
    if rows:
        returnees_services.record_list_read(
            actor=user,
            listed=f"inspections.firm_staff:{firm.pk}",
            object_type="returnees.declaration",
            ids=[d.pk for d in rows],
            filters={"employer": firm.organization_id},
        )
    return rows


# ---------------------------------------------------------------- patrol teams (巡察队)


def patrol_teams(user: Any) -> list[Any]:
    """The teams with their zone and members (two queries)."""
    from django.db.models import Prefetch

    from fangkong.inspections.models import PatrolMember, PatrolTeam

    return list(
        PatrolTeam.objects.visible_to(user)
        .select_related("zone", "roster")
        .prefetch_related(
            Prefetch(
                "members", queryset=PatrolMember.objects.select_related("duty_person", "duty_person__cadre")
            )
        )
        .order_by("name", "pk")
    )


def team_shifts(
    team: Any, *, start: dt.date, days: int = 7
) -> list[tuple[dt.date, list[tuple[Any, list[str]]]]]:
    """The team's published shifts from ``start`` for ``days`` days: per day, each shift and the names on it
    (one query; the rows of the team's roster, which the page read through the door)."""
    from fangkong.pairing.models import RosterAssignment

    end = start + dt.timedelta(days=days - 1)
    by_day: dict[dt.date, dict[Any, list[str]]] = {}
    if team.roster_id:
        rows = (
            RosterAssignment.objects.filter(roster_id=team.roster_id, date__gte=start, date__lte=end)
            .select_related("template", "person")
            .order_by("date", "template__start_time", "person__name")
        )
        for a in rows:
            by_day.setdefault(a.date, {}).setdefault(a.template, []).append(a.person.name)
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        out.append((day, sorted(by_day.get(day, {}).items(), key=lambda kv: kv[0].start_time)))
    return out


def patrol_rounds(user: Any) -> QuerySet[Any]:
    from django.db.models import Count

    from fangkong.inspections.models import PatrolRound

    return (
        PatrolRound.objects.visible_to(user)
        .select_related("team", "recorded_by")
        .annotate(n_findings=Count("findings"))
        .order_by("-day", "-pk")
    )


def round_findings(user: Any, patrol: Any) -> list[Any]:
    from fangkong.inspections.models import PatrolFinding

    return list(
        PatrolFinding.objects.visible_to(user)
        .filter(patrol=patrol)
        .select_related("firm__organization", "visit")
        .order_by("pk")
    )


def find_firm(user: Any, text: str) -> Firm | None:
    """A firm the user sees, by exact name or credit code (for a finding of a firm open early)."""
    text = text.strip()
    if not text:
        return None
    return firms(user).filter(Q(organization__name=text) | Q(organization__credit_code__iexact=text)).first()


def calls(user: Any, *, start: dt.date, end: dt.date) -> QuerySet[Call]:
    return (
        Call.objects.visible_to(user)
        .filter(day__gte=start, day__lte=end)
        .select_related("firm__organization", "caller")
        .order_by("-day", "-called_at", "-pk")
    )
