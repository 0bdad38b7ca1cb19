"""两新 organisations (new economic and social organisations): registry organisations marked as 两新 with
their party members, and what those members did (screening feedback, forwarded letters, guides handed out,
volunteering). "50+ party members of the 两新 organisations were rallied" is ``figures(...)['rallied']``: per
organisation the most members that took part in one of its deeds (never more than it has), summed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, Max, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import access
from fangkong.care.choices import DeedKind, LiangxinKind
from fangkong.care.models import LiangxinDeed, LiangxinOrganization
from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope

MAX_COUNT = 1_000_000


def _check(actor: Any, obj: Any) -> None:
    """Staff write in their scope; the system (``actor=None``, the demo) anywhere."""
    if actor is None:
        return
    try:
        check_write_scope(actor, obj)
    except ScopeError:
        raise PermissionDenied(_("超出您的管理范围。"))


@transaction.atomic(durable=True)
def mark_organization(
    *,
    actor: Any,
    organization: Any,
    kind: str,
    party_members: int,
    branch: Any = None,
    note: str = "",
) -> LiangxinOrganization:
    """Mark a registry organisation as 两新, or update its kind, party members and branch."""
    if actor is not None and not access.may_mark_liangxin(actor):
        raise PermissionDenied(_("您不能登记两新组织。"))
    errors: dict[str, list[str]] = {}
    if kind not in LiangxinKind.values:
        errors["kind"] = [_("请选择类别。")]
    if not 0 <= int(party_members) <= MAX_COUNT:
        errors["party_members"] = [_("党员人数不能为负数。")]
    if branch is not None and branch.subdistrict_id != organization.subdistrict_id:
        errors["branch"] = [_("请选择本街道的党组织。")]
    if errors:
        raise ValidationError(errors)
    row = LiangxinOrganization.objects.select_for_update().filter(organization=organization).first()
    created = row is None
    if row is None:
        row = LiangxinOrganization(
            subdistrict_id=organization.subdistrict_id,
            neighborhood_id=organization.neighborhood_id,
            organization=organization,
            marked_by=actor if getattr(actor, "pk", None) else None,
        )
    row.kind, row.party_members, row.branch, row.note = kind, int(party_members), branch, note.strip()[:200]
    _check(actor, row)
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        changes={"kind": kind, "party_members": int(party_members), "branch": getattr(branch, "pk", None)},
    )
    return row


@transaction.atomic(durable=True)
def record_deed(
    *,
    actor: Any,
    org: LiangxinOrganization,
    kind: str,
    members: int,
    quantity: int = 0,
    day: dt.date | None = None,
    note: str = "",
) -> LiangxinDeed:
    """What the organisation's party members did: how many took part (no more than it has) and how many
    letters, guides or households it reached."""
    if actor is not None and not access.may_edit_liangxin(actor, org):
        raise PermissionDenied(_("您不能修改该两新组织。"))
    errors: dict[str, list[str]] = {}
    if kind not in DeedKind.values:
        errors["kind"] = [_("请选择事项。")]
    if not 1 <= int(members) <= max(org.party_members, 1):
        errors["members"] = [_("参与党员数应在1到该组织党员人数（%(n)d）之间。") % {"n": org.party_members}]
    if not 0 <= int(quantity) <= MAX_COUNT:
        errors["quantity"] = [_("数量不能为负数。")]
    if errors:
        raise ValidationError(errors)
    deed = LiangxinDeed(
        subdistrict_id=org.subdistrict_id,
        neighborhood_id=org.neighborhood_id,
        org=org,
        kind=kind,
        day=day or timezone.localdate(),
        members=int(members),
        quantity=int(quantity),
        note=note.strip()[:200],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _check(actor, deed)
    deed.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=deed, changes=audit.snapshot(deed))
    return deed


def with_rallied(orgs: QuerySet) -> QuerySet:
    """The organisations with ``rallied``: the most party members that took part in one of their deeds,
    never more than the organisation has."""
    return orgs.annotate(
        rallied=Least(
            Coalesce(Max("deeds__members"), Value(0)), F("party_members"), output_field=IntegerField()
        )
    )


def figures(orgs: QuerySet, deeds: QuerySet) -> dict[str, Any]:
    """The 两新 figures of the organisations and deeds given (already scoped): organisations, their party
    members, the members rallied, and per kind of deed the deeds, members and quantity. Two queries."""
    rows = list(with_rallied(orgs.order_by()).values_list("party_members", "rallied"))
    totals = {
        "organizations": len(rows),
        "party_members": sum(n for n, _r in rows),
        "rallied": sum(r for _n, r in rows),
    }
    per_kind = {
        row["kind"]: row
        for row in deeds.values("kind").annotate(
            deeds=Count("pk"), members=Sum("members"), quantity=Sum("quantity")
        )
    }
    return {
        "organizations": totals["organizations"] or 0,
        "party_members": totals["party_members"] or 0,
        "rallied": totals["rallied"] or 0,
        "kinds": [
            {
                "kind": kind,
                "label": label,
                "deeds": per_kind.get(kind, {}).get("deeds", 0),
                "members": per_kind.get(kind, {}).get("members", 0) or 0,
                "quantity": per_kind.get(kind, {}).get("quantity", 0) or 0,
            }
            for kind, label in DeedKind.choices
        ],
    }
