"""Read-side queries: the follow-up board, isolation lists and the dashboard figures. Each is a fixed number
of queries whatever the amount of data (counts are aggregated in SQL; lists are bounded)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q

from fangkong.returnees.choices import IsolationStatus, Slot
from fangkong.returnees.models import Declaration, HealthReport, Isolation, Referral
from fangkong.returnees.services import closed_slots, local_now

BOARD_LIMIT = 100


@dataclass
class Board:
    day: dt.date
    slots: list[Any]
    missing_count: int
    missing: list[Isolation]
    fever_count: int
    fevers: list[HealthReport]
    releases_due_count: int
    releases_due: list[Isolation]
    active_count: int
    pending_referrals: int


def _missing_filter(day: dt.date, slots: list[str]) -> Q:
    cond: Any = Q()
    for slot in slots:
        cond |= ~Exists(HealthReport.objects.filter(isolation=OuterRef("pk"), day=day, slot=slot))
    return cond


def due_slots(now: dt.datetime | None = None) -> tuple[dt.date, list[str]]:
    """Today's slots that should have a report by now: the morning after 12:00; the afternoon is due only
    at midnight, so before then only the morning counts (and before noon, nothing is missing yet)."""
    today = local_now(now).date()
    return today, [s for d, s in closed_slots(now) if d == today]


def follow_up_board(user: Any, *, now: dt.datetime | None = None, limit: int = BOARD_LIMIT) -> Board:
    today, slots = due_slots(now)
    active = Isolation.objects.visible_to(user).filter(
        status=IsolationStatus.ACTIVE, start_date__lte=today, end_date__gte=today
    )
    totals = active.aggregate(active=Count("pk"))
    if slots:
        missing_qs = active.filter(_missing_filter(today, slots))
        missing_count = missing_qs.count()
        missing = list(
            missing_qs.select_related("declaration", "building", "neighborhood").order_by(
                "neighborhood_id", "building_id", "pk"
            )[:limit]
        )
    else:
        missing_count, missing = 0, []
    fevers_qs = HealthReport.objects.visible_to(user).filter(day=today, fever=True)
    fever_count = fevers_qs.count()
    fevers = list(
        fevers_qs.select_related("isolation__declaration", "neighborhood", "referral").order_by(
            "-created_at"
        )[:limit]
    )
    due_qs = Isolation.objects.visible_to(user).filter(status=IsolationStatus.ACTIVE, end_date__lte=today)
    releases_due = list(
        due_qs.select_related("declaration", "building", "neighborhood").order_by("end_date", "pk")[:limit]
    )
    pending = Referral.objects.visible_to(user).filter(outcome="pending").count()
    return Board(
        day=today,
        slots=[Slot(s).label for s in slots],
        missing_count=missing_count,
        missing=missing,
        fever_count=fever_count,
        fevers=fevers,
        releases_due_count=due_qs.count(),
        releases_due=releases_due,
        active_count=totals["active"],
        pending_referrals=pending,
    )


def returnee_figures(subdistrict_id: int, day: dt.date) -> dict[int, dict[str, int]]:
    """Per neighborhood on ``day``: declared (that day), in isolation, released (that day), fevers (that day)
    and missing reports (the day's closed slots; both slots for a past day). Five aggregate queries."""
    from fangkong.registry.models import Neighborhood

    zero = {"declared": 0, "in_isolation": 0, "released": 0, "fevers": 0, "missing_reports": 0}
    out: dict[int, dict[str, int]] = {
        pk: dict(zero)
        for pk in Neighborhood.objects.filter(subdistrict_id=subdistrict_id).values_list("pk", flat=True)
    }
    from django.utils import timezone

    today = timezone.localdate()
    slots: list[str]
    if day < today:
        slots = [Slot.MORNING, Slot.AFTERNOON]
    elif day == today:
        slots = due_slots()[1]
    else:
        slots = []
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)

    def _fill(key: str, rows: Any) -> None:
        for row in rows:
            out.setdefault(row["neighborhood_id"], dict(zero))
            out[row["neighborhood_id"]][key] = row["n"]

    _fill(
        "declared",
        Declaration.objects.filter(subdistrict_id=subdistrict_id, declared_at__gte=start, declared_at__lt=end)
        .values("neighborhood_id")
        .annotate(n=Count("pk")),
    )
    in_iso = Isolation.objects.filter(
        subdistrict_id=subdistrict_id, start_date__lte=day, end_date__gte=day
    ).filter(Q(status=IsolationStatus.ACTIVE) | Q(released_at__gte=end))
    _fill("in_isolation", in_iso.values("neighborhood_id").annotate(n=Count("pk")))
    _fill(
        "released",
        Isolation.objects.filter(subdistrict_id=subdistrict_id, released_at__gte=start, released_at__lt=end)
        .values("neighborhood_id")
        .annotate(n=Count("pk")),
    )
    _fill(
        "fevers",
        HealthReport.objects.filter(subdistrict_id=subdistrict_id, day=day, fever=True)
        .values("neighborhood_id")
        .annotate(n=Count("pk")),
    )
    if slots:
        annotations = {
            f"m_{s}": Count(
                "pk",
                filter=~Q(Exists(HealthReport.objects.filter(isolation=OuterRef("pk"), day=day, slot=s))),
            )
            for s in slots
        }
        for row in in_iso.values("neighborhood_id").annotate(**annotations):
            out.setdefault(row["neighborhood_id"], dict(zero))
            out[row["neighborhood_id"]]["missing_reports"] = sum(row[f"m_{s}"] for s in slots)
    return out


def isolation_list(
    user: Any,
    *,
    neighborhood_id: int | None = None,
    building_id: int | None = None,
    status: str = IsolationStatus.ACTIVE,
) -> Any:
    qs = Isolation.objects.visible_to(user).select_related(
        "declaration", "building", "building__compound", "neighborhood"
    )
    if status:
        qs = qs.filter(status=status)
    if neighborhood_id:
        qs = qs.filter(neighborhood_id=neighborhood_id)
    if building_id:
        qs = qs.filter(building_id=building_id)
    return qs.order_by("neighborhood_id", "building_id", "end_date", "pk")


def isolation_counts_by_building(user: Any) -> list[dict[str, Any]]:
    return list(
        Isolation.objects.visible_to(user)
        .filter(status=IsolationStatus.ACTIVE)
        .values("neighborhood__name", "building_id", "building__compound__name", "building__name")
        .annotate(n=Count("pk"))
        .order_by("neighborhood__name", "building__compound__name", "building__name")
    )


# ---------------------------------------------------------------- amendments


@dataclass
class AmendmentRow:
    field: str
    label: str
    current: str
    proposed: str
    decision: str = ""


def _yes_no(value: Any) -> str:
    from django.utils.translation import gettext as _

    return _("是") if value else _("否")


def _members(value: Any) -> str:
    return "、".join(
        f"{m.get('name', '')}（{m['relation']}）" if m.get("relation") else str(m.get("name", ""))
        for m in value or []
    )


def amendment_rows(amendment: Any) -> list[AmendmentRow]:
    """The proposed changes of an amendment, one row per field in review order: label, the declaration's
    value now and the proposed value, both as shown on pages (phone numbers masked)."""
    from django.utils.translation import gettext as _

    from fangkong.registry.models import Building
    from fangkong.returnees import regions
    from fangkong.returnees.choices import Transport
    from fangkong.returnees.services import AMENDABLE_FIELDS

    decl = amendment.declaration
    proposed = dict(amendment.proposed)
    labels = {
        "building_id": _("楼栋"),
        "phone": _("手机号码"),
        "origin_code": _("来沪前所在地区"),
        "transport": _("交通方式"),
    }

    def building_name(pk: Any) -> str:
        b = Building.objects.filter(pk=pk).select_related("neighborhood", "compound").first()
        return f"{b.neighborhood.name} {b.compound.name}{b.name}" if b else "—"

    def region_name(code: str) -> str:
        try:
            return f"{regions.lookup(code).full_name}（{code}）"
        except ValidationError:  # a code that is no longer listed still shows
            return code

    def show(name: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        if name == "building_id":
            return building_name(value)
        if name == "origin_code":
            return region_name(value)
        if name == "transport":
            return str(dict(Transport.choices).get(value, value))
        if name in ("key_area", "exposure", "symptoms"):
            return _yes_no(value)
        if name == "household_members":
            return _members(value) or "—"
        if name == "temperature":
            return f"{value} °C"
        return str(value)

    rows: list[AmendmentRow] = []
    for name in AMENDABLE_FIELDS:
        if name == "phone":
            if amendment.phone_hash:
                rows.append(AmendmentRow("phone", labels["phone"], decl.phone_masked, amendment.phone_masked))
            continue
        if name not in proposed:
            continue
        label = labels.get(name) or str(type(decl)._meta.get_field(name).verbose_name)
        current = getattr(decl, name)
        if hasattr(current, "isoformat"):
            current = current.isoformat()
        rows.append(AmendmentRow(name, label, show(name, current), show(name, proposed[name])))
    for row in rows:
        row.decision = str(amendment.decisions.get(row.field, ""))
    return rows


def venue_candidates(user: Any, limit: int = 30) -> list[tuple[str, Any]]:
    """Organisations (hotels, elderly homes, enterprises) and premises the user may register as a venue and
    that have none yet in the user's sub-districts: ("org", organisation) and ("premises", premises) pairs.
    Organisation contacts register none."""
    from fangkong.core.scope import subdistricts_of
    from fangkong.registry.models import Organization, Premises
    from fangkong.returnees import access
    from fangkong.returnees.models import Venue

    if not access.may_register_venues(user):
        return []
    subs = subdistricts_of(user)
    has = Venue.objects.all() if subs is None else Venue.objects.filter(subdistrict__in=subs)
    orgs = (
        Organization.objects.editable_by(user)
        .filter(kind__in=["hotel", "elderly_home", "enterprise"])
        .exclude(pk__in=has.exclude(organization=None).values("organization_id"))[:limit]
    )
    prems = Premises.objects.editable_by(user).exclude(
        pk__in=has.exclude(premises=None).values("premises_id")
    )[:limit]
    return [("org", o) for o in orgs] + [("premises", p) for p in prems]


def figures_for(user: Any, day: dt.date) -> dict[int, dict[str, int]]:
    """``returnee_figures`` of the user's own sub-district on ``day``, for the neighborhoods they see (the
    figures API); a user without a sub-district gets none."""
    from fangkong.registry.models import Neighborhood

    if not getattr(user, "subdistrict_id", None):
        return {}
    visible = set(Neighborhood.objects.visible_to(user).values_list("pk", flat=True))
    data = returnee_figures(user.subdistrict_id, day)
    return {k: v for k, v in data.items() if k in visible}
