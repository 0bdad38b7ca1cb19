"""Check-in rounds (打卡): task templates, generated rounds, photo check-ins and the overdue sweep."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, images
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction, Role
from fangkong.core.notify import LEVEL_COMMITTEE, Alert, alert_many
from fangkong.pairing.access import (
    may_check_in,
    require_hq,
    require_manager,
)
from fangkong.pairing.choices import (
    RoundStatus,
)
from fangkong.pairing.models import (
    BuildingAssignment,
    BuildingTask,
    CheckInRound,
    TaskTemplate,
)
from fangkong.pairing.services.lookups import MAX_PHOTO_SIDE
from fangkong.registry.models import (
    Building,
    SubDistrict,
)

# ------------------------------------------------------------------ check-in rounds (打卡)


@transaction.atomic
def create_task_template(
    *, actor: Any, subdistrict: SubDistrict, name: str, frequency: int = 1, deadlines: list[str] | None = None
) -> TaskTemplate:
    require_hq(actor)
    deadlines = deadlines or (["20:00"] if frequency == 1 else ["12:00", "20:00"])
    for value in deadlines:
        try:
            dt.time.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("截止时间格式应为 HH:MM，例如 20:00。"))
    if len(deadlines) < frequency:
        raise ValidationError(_("每日 %(n)d 次需要 %(n)d 个截止时间。") % {"n": frequency})
    obj = TaskTemplate(subdistrict=subdistrict, name=name.strip(), frequency=frequency, deadlines=deadlines)
    return core_services.create_object(actor=actor, obj=obj)


@transaction.atomic
def apply_template(
    *,
    actor: Any,
    template: TaskTemplate,
    buildings: Iterable[Building] | None = None,
    frequency: int | None = None,
) -> int:
    """Give buildings (default: all of the sub-district) the task; existing ones keep their frequency."""
    require_manager(actor)
    if buildings is None:
        rows = list(
            Building.objects.filter(subdistrict_id=template.subdistrict_id).values_list(
                "pk", "neighborhood_id"
            )
        )
    else:
        rows = [(b.pk, b.neighborhood_id) for b in buildings if b.subdistrict_id == template.subdistrict_id]
    freq = frequency or template.frequency
    objs = [
        BuildingTask(
            subdistrict_id=template.subdistrict_id,
            building_id=bid,
            neighborhood_id=hid,
            template=template,
            frequency=freq,
        )
        for bid, hid in rows
    ]
    before = BuildingTask.objects.filter(template=template).count()
    BuildingTask.objects.bulk_create(objs, batch_size=500, ignore_conflicts=True)
    added = BuildingTask.objects.filter(template=template).count() - before
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=template,
        changes={"buildings_added": added, "frequency": freq},
    )
    return added


def _due_at(day: dt.date, deadline: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(deadline)))


@transaction.atomic
def generate_rounds(*, actor: Any, subdistrict: SubDistrict, start: dt.date, days: int = 1) -> int:
    """Create the daily rounds of every active building task for ``days`` days from ``start``.

    One INSERT … SELECT per (day, slot, template): the number of queries does not depend on the number
    of buildings. Existing rounds are left alone, so running it twice adds nothing.
    """
    if actor is not None:
        require_manager(actor)
    if days < 1 or days > 62:
        raise ValidationError(_("一次最多生成 62 天的打卡轮次。"))
    templates = list(
        TaskTemplate.objects.filter(subdistrict=subdistrict, active=True).values_list("pk", "deadlines")
    )
    max_freq = 2
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = CheckInRound._meta.db_table
    tasks = BuildingTask._meta.db_table
    created = 0
    sql = (
        f"INSERT INTO {table} (created_at, updated_at, version, subdistrict_id, building_task_id, building_id, "
        f"template_id, neighborhood_id, date, slot, due_at, status, note, photo) "
        f"SELECT %s, %s, 1, bt.subdistrict_id, bt.id, bt.building_id, bt.template_id, bt.neighborhood_id, %s, %s, %s, "
        f"%s, '', '' FROM {tasks} bt WHERE bt.subdistrict_id = %s AND bt.template_id = %s AND bt.active = %s "
        f"AND bt.frequency >= %s AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.building_task_id = bt.id "
        f"AND r.date = %s AND r.slot = %s)"
    )
    with connection.cursor() as cursor:
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            day_value = ops.adapt_datefield_value(day)
            for template_id, deadlines in templates:
                deadlines = list(deadlines or ["20:00"])
                for slot in range(1, max_freq + 1):
                    deadline = deadlines[min(slot, len(deadlines)) - 1]
                    due = ops.adapt_datetimefield_value(_due_at(day, deadline))
                    cursor.execute(
                        sql,
                        [
                            now,
                            now,
                            day_value,
                            slot,
                            due,
                            RoundStatus.PENDING,
                            subdistrict.pk,
                            template_id,
                            True,
                            slot,
                            day_value,
                            slot,
                        ],
                    )
                    created += max(cursor.rowcount, 0)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="pairing.checkinround",
        object_repr=_("生成打卡轮次"),
        changes={"start": start.isoformat(), "days": days, "created": created},
        subdistrict_id=subdistrict.pk,
    )
    return created


def resize_photo(upload: Any) -> ContentFile:
    """A JPEG no larger than MAX_PHOTO_SIDE on its longer side; anything that is not an image is refused."""
    return ContentFile(images.to_jpeg(upload, max_side=MAX_PHOTO_SIDE))


@transaction.atomic(durable=True)
def check_in(
    *,
    actor: Any,
    checkin_round: CheckInRound,
    note: str = "",
    photo: Any = None,
    at: dt.datetime | None = None,
) -> tuple[CheckInRound, bool]:
    """Record a check-in. A round already done is returned unchanged (idempotent): ``(round, False)``."""
    current = (
        CheckInRound.objects.select_for_update()
        .select_related("building", "template")
        .get(pk=checkin_round.pk)
    )
    if not may_check_in(actor, current.building):
        raise PermissionDenied(_("您不是该楼栋的包干负责人或其团队成员，不能打卡。"))
    if current.status == RoundStatus.DONE:
        return current, False
    content = resize_photo(photo) if photo else None
    current.status = RoundStatus.DONE
    current.done_at = at or timezone.now()
    current.done_by = actor
    current.note = (note or "")[:200]
    current.version += 1
    if content is not None:
        current.photo.save(f"{current.building_id}-{current.pk}.jpg", content, save=False)
    current.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=current,
        changes={"status": "done", "photo": bool(content), "note": current.note},
        note=_("打卡"),
    )
    return current, True


@transaction.atomic
def detect_overdue(
    *, now: dt.datetime | None = None, subdistrict: SubDistrict | None = None
) -> list[CheckInRound]:
    """Mark pending rounds past their deadline as overdue and alert, once, the person in charge of each
    building and the committee staff of its neighborhood."""
    from fangkong.core.models import User

    now = now or timezone.now()
    qs = CheckInRound.objects.select_for_update().filter(status=RoundStatus.PENDING, due_at__lt=now)
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    rounds = list(qs.select_related("building__compound", "template", "neighborhood"))
    if not rounds:
        return []
    ids = [r.pk for r in rounds]
    CheckInRound.objects.filter(pk__in=ids).update(status=RoundStatus.OVERDUE, overdue_notified_at=now)
    building_ids = {r.building_id for r in rounds}
    responsible: dict[int, Any] = {}
    for a in BuildingAssignment.objects.filter(building_id__in=building_ids).select_related(
        "cadre__user", "staff__user"
    ):
        person = a.cadre or a.staff
        user = getattr(person, "user", None)
        if user is not None and user.is_active:
            responsible[a.building_id] = user
    by_user: dict[int, list[CheckInRound]] = defaultdict(list)
    users: dict[int, Any] = {}
    by_hood: dict[int, list[CheckInRound]] = defaultdict(list)
    for r in rounds:
        r.status = RoundStatus.OVERDUE
        user = responsible.get(r.building_id)
        if user is not None:
            by_user[user.pk].append(r)
            users[user.pk] = user
        by_hood[r.neighborhood_id].append(r)

    def lines(items: list[CheckInRound]) -> str:
        return "\n".join(
            f"{r.building.compound.name}{r.building.name} {r.template.name} {r.date:%m-%d} #{r.slot}"
            f"（{timezone.localtime(r.due_at):%H:%M} 截止）"
            for r in items[:50]
        ) + ("\n…" if len(items) > 50 else "")

    sweep = f"pairing.overdue:{now:%Y%m%d%H%M%S}"
    alerts: list[Alert] = []
    link = reverse("pairing:rounds")
    for uid, items in by_user.items():
        first = items[0]
        alerts.append(
            Alert(
                kind="pairing.round_overdue",
                subject=_("%(n)d 项打卡已逾期") % {"n": len(items)},
                body=lines(items),
                recipients=[users[uid]],
                key=f"{sweep}:u{uid}",
                link=link,
                subdistrict_id=first.subdistrict_id,
                neighborhood_id=first.neighborhood_id,
            )
        )
    staff_users: dict[int, list[Any]] = defaultdict(list)
    for user in User.objects.filter(
        role=Role.STAFF, is_active=True, neighborhoods__in=list(by_hood)
    ).prefetch_related("neighborhoods"):
        for hood in user.neighborhoods.all():
            if hood.pk in by_hood:
                staff_users[hood.pk].append(user)
    for hood_id, items in by_hood.items():
        first = items[0]
        subject = _("%(hood)s %(n)d 项打卡已逾期") % {"hood": first.neighborhood.name, "n": len(items)}
        alerts.append(
            Alert(
                kind="pairing.round_overdue",
                subject=subject,
                body=lines(items),
                recipients=staff_users.get(hood_id, []),
                key=f"{sweep}:h{hood_id}",
                link=link,
                subdistrict_id=first.subdistrict_id,
                neighborhood_id=hood_id,
                level=LEVEL_COMMITTEE,
            )
        )
    alert_many(alerts, returning=False)
    audit.record(
        actor=None,
        action=AuditAction.ACTION,
        object_type="pairing.checkinround",
        object_repr=_("逾期打卡提醒"),
        changes={"overdue": len(rounds), "buildings": len(building_ids)},
        subdistrict_id=rounds[0].subdistrict_id,
    )
    return rounds
