"""The SLA sweep (a job, every minute): a clock about to run out alerts the person on duty for the ticket; a
clock run out alerts the unit's lead and dispatchers and HQ. Each exactly once per ticket, clock and level
(``TicketAlert`` is unique on them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import notify
from fangkong.tickets import selectors
from fangkong.tickets.choices import OPEN_STATES, Clock
from fangkong.tickets.models import Ticket, TicketAlert, UnitMember


def sweep_sla(*, now: dt.datetime | None = None, limit: int = 5000) -> dict[str, int]:
    now = now or timezone.now()
    soon = now + dt.timedelta(hours=48)  # no SLA warns earlier than a quarter of its span before its end
    tickets = list(
        Ticket.objects.filter(state__in=list(OPEN_STATES), dispatched_at__isnull=False, respond_due__lte=soon)
        .select_related("building", "unit__organization")
        .order_by("respond_due", "id")[:limit]
    )
    if not tickets:
        return {"warnings": 0, "breaches": 0}
    sent = {
        (a.ticket_id, a.clock, a.level)
        for a in TicketAlert.objects.filter(ticket__in=tickets).only("ticket_id", "clock", "level")
    }
    wanted: list[tuple[Ticket, Any, str]] = []
    for t in tickets:
        for c in selectors.clocks(t, now):
            if c.state == "warn" and (t.pk, c.clock, TicketAlert.WARN) not in sent:
                wanted.append((t, c, TicketAlert.WARN))
            elif c.state == "breached" and (t.pk, c.clock, TicketAlert.BREACH) not in sent:
                wanted.append((t, c, TicketAlert.BREACH))
    if not wanted:
        return {"warnings": 0, "breaches": 0}
    members = {
        m.duty_person_id: m.user
        for m in UnitMember.objects.filter(
            duty_person_id__in={t.assignee_id for t, _c, _l in wanted}
        ).select_related("user")
    }
    heads: dict[int, list[Any]] = {}
    for m in UnitMember.objects.filter(
        unit_id__in={t.unit_id for t, _c, _l in wanted}, role__in=["lead", "dispatcher"]
    ).select_related("user"):
        heads.setdefault(m.unit_id, []).append(m.user)
    hq: dict[int, list[Any]] = {}
    alerts: list[notify.Alert] = []
    counts = {"warnings": 0, "breaches": 0}
    for t, c, level in wanted:
        try:
            with transaction.atomic():
                TicketAlert.objects.create(ticket=t, clock=c.clock, level=level, at=now)
        except IntegrityError:  # another sweep stored it meanwhile
            continue
        where = f"{t.building.name} {t.room}".strip()
        args = {"no": t.number, "clock": Clock(c.clock).label, "where": where, "unit": t.unit}
        if level == TicketAlert.WARN:
            subject = _("报修单 %(no)s 即将超过%(clock)s时限：%(where)s（%(unit)s）") % args
            recipients = (
                [members[t.assignee_id]] if t.assignee_id in members else heads.get(t.unit_id or 0, [])
            )
            counts["warnings"] += 1
            lvl = notify.LEVEL_OWNER
        else:
            subject = _("报修单 %(no)s 已超过%(clock)s时限：%(where)s（%(unit)s）") % args
            if t.subdistrict_id not in hq:
                hq[t.subdistrict_id] = notify.hq_of(t.subdistrict_id)
            recipients = heads.get(t.unit_id or 0, []) + hq[t.subdistrict_id]
            counts["breaches"] += 1
            lvl = notify.LEVEL_HQ
        alerts.append(
            notify.Alert(
                kind=f"tickets.sla_{level}",
                subject=subject,
                recipients=recipients,
                key=f"tickets.sla:{t.pk}:{c.clock}:{level}",
                link=reverse("tickets:detail", args=[t.pk]),
                subdistrict_id=t.subdistrict_id,
                neighborhood_id=t.neighborhood_id,
                level=lvl,
                urgent=True,
            )
        )
    notify.alert_many(alerts, now=now, returning=False)
    return counts
