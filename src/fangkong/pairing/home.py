"""The cadre's home page (phone first): my points and responsibilities (三结三定), my tasks, my shift today and
the next, my buildings with today's check-ins (one tap to check in) and my alerts.

A fixed number of queries whatever the data: pairings, tasks (count and first rows), shifts, buildings,
today's rounds of those buildings, and the alerts (count and latest).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from fangkong.core.choices import Role
from fangkong.core.models import Notification
from fangkong.core.navigation import register_home_panel
from fangkong.pairing import access, reports
from fangkong.pairing.choices import RoundStatus, TaskStatus
from fangkong.pairing.models import CheckInRound, Pairing

TASKS_SHOWN = 5
BUILDINGS_SHOWN = 30
ALERTS_SHOWN = 5


def my_day(user: Any) -> dict[str, Any]:
    """The cadre's day as the home panel shows it."""
    now = timezone.now()
    today = timezone.localdate(now)
    pairings = list(
        Pairing.objects.filter(cadre__user=user, active=True)
        .select_related("point", "responsibility", "department", "neighborhood")
        .order_by("point__name", "pk")
    )
    open_tasks = reports.task_list(user, mine=True).filter(
        status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS]
    )
    tasks = list(open_tasks.order_by("due_date", "pk")[:TASKS_SHOWN])
    task_count = open_tasks.count()
    # The shifts under way or still to come today (a night shift begun yesterday included), then the next
    # one after today: "my shift today and next".
    coming = list(reports.my_shifts(user, today=today - dt.timedelta(days=1)).filter(ends_at__gte=now)[:4])
    shifts = [s for s in coming if s.starts_at <= now or s.date == today][:3]
    shifts += [s for s in coming if s not in shifts and s.date > today][:1]
    assignments = list(reports.my_buildings(user)[:BUILDINGS_SHOWN])
    rounds_by_building: dict[int, list[Any]] = defaultdict(list)
    for rnd in (
        CheckInRound.objects.filter(building_id__in=[a.building_id for a in assignments], date=today)
        .select_related("template")
        .order_by("due_at", "template__name", "slot")
    ):
        rounds_by_building[rnd.building_id].append(rnd)
    buildings = []
    for a in assignments:
        rounds = rounds_by_building.get(a.building_id, [])
        buildings.append(
            {
                "assignment": a,
                "building": a.building,
                "rounds": rounds,
                "may_check_in": access.may_check_in_own(user, a),
                "done": sum(1 for r in rounds if r.status == RoundStatus.DONE),
            }
        )
    alerts = Notification.objects.filter(recipient=user, read_at__isnull=True)
    latest_alerts = list(alerts.order_by("-created_at", "-pk")[:ALERTS_SHOWN])
    alert_count = alerts.count()
    return {
        "today": today,
        "now": now,
        "pairings": pairings,
        "tasks": tasks,
        "task_count": task_count,
        "shifts": shifts,
        "buildings": buildings,
        "rounds_due": sum(len(b["rounds"]) - b["done"] for b in buildings),
        "alerts": latest_alerts,
        "alert_count": alert_count,
    }


def cadre_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if getattr(user, "role", None) != Role.CADRE:
        return None
    return {"template": "pairing/_home_cadre.html", **my_day(user)}


def register_home_panels() -> None:
    register_home_panel(cadre_panel, order=-8)
