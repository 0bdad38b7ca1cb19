"""Inspection visits (四进巡查): started from a phone, saved as a draft after each step, submitted once. A
visit that finds a firm open early moves it to 提前复工; a dissuasion moves it on to 已劝阻 with a follow-up
visit due."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.services import check_write_scope
from fangkong.inspections import machine
from fangkong.inspections.choices import FirmStatus, VisitPlace, VisitState
from fangkong.inspections.models import Firm, Visit, VisitPhoto
from fangkong.inspections.services.resumption import change_status

MAX_PHOTO_SIDE = 1280
MAX_PHOTO_BYTES = 1_500_000
MAX_PHOTOS = 12
FOLLOW_UP_DAYS = 3
STEP_FIELDS: dict[int, tuple[str, ...]] = {
    5: ("entry_registration", "disinfection", "forms_handed", "notices_posted"),
    6: ("open_early", "dissuaded", "signature", "note"),
}
PLACE_STEPS = {1: VisitPlace.GATE, 2: VisitPlace.WORKSHOP, 3: VisitPlace.WAREHOUSE, 4: VisitPlace.DORMITORY}
LAST_STEP = 7


@transaction.atomic(durable=True)
def start_visit(**kwargs: Any) -> tuple[Visit, bool]:
    """The visit page's start, in its own transaction (``open_visit``)."""
    return open_visit(**kwargs)


@transaction.atomic
def open_visit(
    *, actor: Any, client_token: str, firm: Firm | None = None, premises: Any = None, team: str = ""
) -> tuple[Visit, bool]:
    """A draft visit of a firm or a premises; the same ``client_token`` answers the same draft (a double tap
    on a weak connection starts one visit)."""
    if not client_token or len(client_token) > 40:
        raise ValidationError(_("缺少提交编号，请刷新页面后重试。"), code="token")
    if (firm is None) == (premises is None):
        raise ValidationError(_("巡查须指明企业或楼宇园区。"), code="target")
    sub_id = firm.subdistrict_id if firm is not None else premises.subdistrict_id
    existing = Visit.objects.filter(subdistrict_id=sub_id, client_token=client_token).first()
    if existing is not None:
        check_write_scope(actor, existing)
        return existing, False
    hood = firm.neighborhood_id if firm is not None else premises.neighborhood_id
    if firm is not None and premises is None:
        premises_id = firm.organization.premises_id
    else:
        premises_id = premises.pk if premises is not None else None
    now = timezone.now()
    visit = Visit(
        subdistrict_id=sub_id,
        neighborhood_id=hood,
        firm=firm,
        premises_id=premises_id,
        team=team[:60],
        inspector=actor,
        visited_at=now,
        day=timezone.localdate(now),
        client_token=client_token,
    )
    check_write_scope(actor, visit)
    try:
        with transaction.atomic():
            visit.save(force_insert=True)
    except IntegrityError:
        return Visit.objects.get(subdistrict_id=sub_id, client_token=client_token), False
    audit.record(actor=actor, action=AuditAction.CREATE, obj=visit, note=str(_("开始巡查")))
    return visit, True


def _draft(actor: Any, visit: Visit) -> Visit:
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    check_write_scope(actor, current)
    if current.state != VisitState.DRAFT:
        raise ValidationError(_("该巡查记录已提交，不能再修改。"), code="submitted")
    return current


@transaction.atomic(durable=True)
def save_visit_step(
    *, actor: Any, visit: Visit, step: int, data: dict[str, Any], photo: bytes | None = None
) -> Visit:
    """Save one step of a draft (steps 1–4: a place of the 四进 checklist; 5: the checks and counts; 6: the
    outcome) and, on a place step, its photo."""
    current = _draft(actor, visit)
    if step in PLACE_STEPS:
        place = PLACE_STEPS[step]
        checklist = dict(current.checklist)
        checklist[place] = {"seen": bool(data.get("seen")), "finding": str(data.get("finding") or "")[:300]}
        current.checklist = checklist
        if photo:
            add_photo(visit=current, place=place, data=photo)
    elif step in STEP_FIELDS:
        for name in STEP_FIELDS[step]:
            if name in data:
                setattr(current, name, data[name])
        if current.dissuaded and not current.open_early:
            raise ValidationError({"dissuaded": [_("劝阻须针对提前复工。")]})
        if current.dissuaded and current.firm_id is None:
            raise ValidationError({"dissuaded": [_("劝阻须针对一家企业。")]})
        if current.dissuaded and not current.signature:
            raise ValidationError({"signature": [_("劝阻须记录企业签字或拒签。")]})
    else:
        raise ValidationError(_("没有这个步骤。"), code="step")
    current.step = max(current.step, step)
    current.save()
    return current


def read_photo(data_url: str) -> bytes:
    """The JPEG bytes of a ``data:image/jpeg;base64,…`` value (what the page's resizer sends)."""
    head, _sep, body = data_url.partition(",")
    if head not in ("data:image/jpeg;base64", "data:image/jpg;base64"):
        raise ValidationError({"photo": [_("照片须为 JPEG 图片。")]})
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": [_("照片数据无法读取。")]})


def add_photo(*, visit: Visit, place: str, data: bytes) -> VisitPhoto:
    """Store a photo: a JPEG of at most MAX_PHOTO_BYTES; one larger than MAX_PHOTO_SIDE is shrunk here too
    (a phone without the resizer)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > 4 * MAX_PHOTO_BYTES:
        raise ValidationError({"photo": [_("照片过大。")]})
    if VisitPhoto.objects.filter(visit=visit).count() >= MAX_PHOTOS:
        raise ValidationError({"photo": [_("每次巡查最多 %(n)d 张照片。") % {"n": MAX_PHOTOS}]})
    try:
        image: Any = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": [_("照片无法识别。")]})
    if image.format != "JPEG" or max(image.size) > MAX_PHOTO_SIDE or len(data) > MAX_PHOTO_BYTES:
        image = image.convert("RGB")
        image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        data = out.getvalue()
    return VisitPhoto.objects.create(
        subdistrict_id=visit.subdistrict_id,
        neighborhood_id=visit.neighborhood_id,
        visit=visit,
        place=place,
        image=data,
        width=image.size[0],
        height=image.size[1],
    )


@transaction.atomic(durable=True)
def submit_visit(*, actor: Any, visit: Visit, now: dt.datetime | None = None) -> tuple[Visit, bool]:
    """Submit a draft once; a repeat answers the submitted visit and False. The firm's status follows: open
    early → 提前复工, dissuaded → 已劝阻 with a follow-up due in FOLLOW_UP_DAYS days."""
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    check_write_scope(actor, current)
    if current.state == VisitState.SUBMITTED:
        return current, False
    current.state = VisitState.SUBMITTED
    current.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=current,
        changes=audit.snapshot(current),
        note=str(_("提交巡查")),
    )
    if current.firm_id and current.open_early:
        firm = Firm.objects.get(pk=current.firm_id)
        if firm.status != FirmStatus.EARLY and machine.allowed(firm.status, FirmStatus.EARLY):
            change_status(
                actor=actor, firm=firm, to=FirmStatus.EARLY, reason=str(_("巡查发现提前复工")), now=now
            )
        if current.dissuaded and firm.status == FirmStatus.EARLY:
            change_status(
                actor=actor, firm=firm, to=FirmStatus.DISSUADED, reason=str(_("巡查劝阻停工")), now=now
            )
            due = current.day + dt.timedelta(days=FOLLOW_UP_DAYS)
            Firm.objects.filter(pk=firm.pk).update(follow_up_due=due)
    return current, True
