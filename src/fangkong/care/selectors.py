"""Reads of the care app for pages and the API; each takes the user and reads through the door
(``visible_to``), in a constant number of queries whatever the number of people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from fangkong.care.choices import CareStatus
from fangkong.care.models import CareRecord, Delivery
from fangkong.care.rules import REACHED, due_day, week_of


def min_age() -> int:
    """Residents this old or older, alone in their household, are proposed for care (a setting)."""
    return int(getattr(settings, "FANGKONG_CARE_MIN_AGE", 70))


def _reached_in(week: dt.date) -> Exists:
    return Exists(Delivery.objects.filter(record=OuterRef("pk"), week_start=week, outcome__in=REACHED))


def register(user: Any, *, week: dt.date, status: str = CareStatus.ACTIVE, q: str = "") -> QuerySet:
    """The care register the user sees, each row with ``reached`` (a visit of ``week`` reached them)."""
    qs = (
        CareRecord.objects.visible_to(user)
        .select_related("resident", "resident__household", "neighborhood", "volunteer", "supplier")
        .annotate(reached=_reached_in(week))
    )
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(resident__name__icontains=q)
    return qs.order_by("neighborhood__name", "resident__name", "pk")


def due_filter(week: dt.date, today: dt.date) -> Q:
    """Records whose delivery day of ``week`` is over on ``today`` and who were in care by then."""
    days = [k for k in range(7) if due_day(week, k) < today]
    if not days:
        return Q(pk__in=[])
    cond = Q()
    for k in days:
        cond |= Q(weekday=k, since__lte=due_day(week, k))
    return Q(status=CareStatus.ACTIVE) & cond


def missed_records(queryset: QuerySet, *, week: dt.date, today: dt.date) -> QuerySet:
    """Of ``queryset`` (care records), those whose week is missed (see ``care.rules.is_missed``)."""
    return queryset.filter(due_filter(week, today)).exclude(_reached_in(week))


def missed(user: Any, *, today: dt.date, week: dt.date | None = None) -> QuerySet:
    """Who is missing a delivery in ``week`` (the week of ``today`` by default), as the user sees them."""
    week = week or week_of(today)
    qs: Any = CareRecord.objects.visible_to(user).select_related(
        "resident", "resident__household", "neighborhood", "volunteer"
    )
    last_visit = Delivery.objects.filter(record=OuterRef("pk")).order_by("-day", "-pk")

    qs = qs.annotate(
        last_day=Subquery(last_visit.values("day")[:1]),
        last_outcome=Subquery(last_visit.values("outcome")[:1]),
    )
    return missed_records(qs, week=week, today=today).order_by("neighborhood__name", "weekday", "pk")


def candidates(user: Any, *, today: dt.date, q: str = "") -> QuerySet:
    """Residents proposed for care: aged ``min_age()`` or more and alone in their household, not in the
    register yet. With ``q``, any resident of that name not in the register (staff add others by hand)."""
    from fangkong.registry.models import Resident

    qs: Any = Resident.objects.visible_to(user).filter(care__isnull=True)
    if q:
        qs = qs.filter(name__icontains=q)
    else:
        born_by = _years_before(today, min_age())
        qs = (
            qs.filter(birth_date__isnull=False, birth_date__lte=born_by)
            .annotate(n_home=Count("household__residents"))
            .filter(n_home=1)
        )
    return qs.select_related("household", "neighborhood").order_by("neighborhood__name", "birth_date", "pk")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def isolated_residents(residents: Iterable[Any]) -> set[int]:
    """Of these residents, the ids of those in an active isolation (by ID number, or their home's room):
    their deliveries are contactless. One query."""
    from fangkong.returnees.choices import IsolationStatus
    from fangkong.returnees.models import Isolation

    people = list(residents)
    if not people:
        return set()
    hashes = {r.id_number_hash for r in people if r.id_number_hash}
    buildings = {r.household.building_id for r in people}
    rows = Isolation.objects.filter(status=IsolationStatus.ACTIVE).filter(
        Q(id_number_hash__in=hashes) | Q(building_id__in=buildings)
    )
    by_hash, by_room = set(), set()
    for iso_hash, building_id, room in rows.values_list("id_number_hash", "building_id", "declaration__room"):
        if iso_hash:
            by_hash.add(iso_hash)
        by_room.add((building_id, room))
    return {
        r.pk
        for r in people
        if (r.id_number_hash and r.id_number_hash in by_hash)
        or (r.household.building_id, r.household.room) in by_room
    }


def recent_deliveries(user: Any, record: CareRecord, limit: int = 12) -> list[Delivery]:
    return list(
        Delivery.objects.visible_to(user)
        .filter(record=record)
        .select_related("recorded_by")
        .order_by("-day", "-pk")[:limit]
    )
