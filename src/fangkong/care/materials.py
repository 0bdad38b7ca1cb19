"""The materials counter (宣传材料): copies of each kind handed out, returned (forms) or posted, per
neighborhood, premises, firm or party branch, by whom and on which day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care.choices import MaterialKind
from fangkong.care.models import MaterialCount
from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.services import check_write_scope

MAX_COPIES = 10_000_000


@transaction.atomic(durable=True)
def record_materials(
    *,
    actor: Any,
    subdistrict_id: int,
    kind: str,
    neighborhood: Any = None,
    premises: Any = None,
    organization: Any = None,
    branch: Any = None,
    day: dt.date | None = None,
    handed_out: int = 0,
    returned: int = 0,
    posted: int = 0,
    by_name: str = "",
    note: str = "",
) -> MaterialCount:
    """Count materials handed out (returned, for forms) or posted at one place on one day."""
    errors: dict[str, list[str]] = {}
    if kind not in MaterialKind.values:
        errors["kind"] = [_("请选择材料。")]
    counts = (handed_out, returned, posted)
    if any(not 0 <= int(n) <= MAX_COPIES for n in counts):
        errors["handed_out"] = [_("份数须为0或正数。")]
    elif not handed_out and not posted:
        errors["handed_out"] = [_("请填写发放或张贴份数。")]
    elif returned > handed_out:
        errors["returned"] = [_("回收份数不能多于发放份数。")]
    for obj in (neighborhood, premises, organization, branch):
        if obj is not None and obj.subdistrict_id != subdistrict_id:
            errors["neighborhood"] = [_("地点须在本街道。")]
    if errors:
        raise ValidationError(errors)
    if neighborhood is None:
        place = premises or organization or branch
        neighborhood = getattr(place, "neighborhood", None) if place is not None else None
    row = MaterialCount(
        subdistrict_id=subdistrict_id,
        neighborhood=neighborhood,
        kind=kind,
        premises=premises,
        organization=organization,
        branch=branch,
        day=day or timezone.localdate(),
        handed_out=int(handed_out),
        returned=int(returned),
        posted=int(posted),
        by_name=by_name.strip()[:80],
        recorded_by=actor if getattr(actor, "pk", None) else None,
        note=note.strip()[:200],
    )
    if actor is not None:
        check_write_scope(actor, row)
    row.save()
    audit.record(actor=actor, action=AuditAction.CREATE, obj=row, changes=audit.snapshot(row))
    return row


def summary(rows: Any) -> dict[str, Any]:
    """Totals of a queryset of counts: per kind, per neighborhood, per premises, firm and branch."""
    sums = {"out": Sum("handed_out"), "back": Sum("returned"), "posted": Sum("posted"), "n": Count("id")}
    labels = dict(MaterialKind.choices)
    by_kind = [
        {**r, "label": labels.get(r["kind"], r["kind"])}
        for r in rows.values("kind").annotate(**sums).order_by("kind")
    ]
    return {
        "by_kind": by_kind,
        "by_hood": list(
            rows.exclude(neighborhood=None)
            .values("neighborhood__name")
            .annotate(**sums)
            .order_by("neighborhood__name")
        ),
        "by_premises": list(
            rows.exclude(premises=None).values("premises__name").annotate(**sums).order_by("premises__name")
        ),
        "by_org": list(
            rows.exclude(organization=None)
            .values("organization__name")
            .annotate(**sums)
            .order_by("organization__name")
        ),
        "by_branch": list(
            rows.exclude(branch=None).values("branch__name").annotate(**sums).order_by("branch__name")
        ),
        "totals": rows.aggregate(**sums),
    }
