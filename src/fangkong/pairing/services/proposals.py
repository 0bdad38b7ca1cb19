"""The optimiser's pairing proposals: its input, proposing, accepting and rejecting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.pairing.access import (
    require_hq,
)
from fangkong.pairing.choices import (
    PairingSource,
    ProposalAction,
    ProposalStatus,
)
from fangkong.pairing.models import (
    Pairing,
    PairingProposal,
    Point,
    ProposalItem,
)
from fangkong.pairing.services.lookups import settings_for
from fangkong.pairing.services.points import end_pairing, pair_cadre
from fangkong.registry.models import (
    SubDistrict,
    SupportCadre,
)

# ------------------------------------------------------------------ optimiser proposals


def optimiser_input(subdistrict_id: int) -> tuple[list, list, Any]:
    """The cadres, points (with their required counts) and rules the optimiser works on."""
    from fangkong.pairing.optimiser import CadreIn, PairingRules, PointIn
    from fangkong.pairing.requirements import PointDemand, required_counts
    from fangkong.registry.choices import DepartmentKind

    settings = settings_for(subdistrict_id)
    cadre_rows = list(
        SupportCadre.objects.filter(subdistrict_id=subdistrict_id, active=True).select_related("department")
    )
    current: dict[int, set[int]] = defaultdict(set)
    for cid, pid in Pairing.objects.filter(subdistrict_id=subdistrict_id, active=True).values_list(
        "cadre_id", "point_id"
    ):
        current[cid].add(pid)
    labels = dict(DepartmentKind.choices)
    cadres = [
        CadreIn(
            id=c.pk,
            name=c.name,
            dept_kind=c.department.kind,
            dept_label=str(labels.get(c.department.kind, c.department.name)),
            home_neighborhood_id=c.home_neighborhood_id,
            current_points=frozenset(current.get(c.pk, set())),
        )
        for c in cadre_rows
    ]
    point_rows = list(
        Point.objects.filter(subdistrict_id=subdistrict_id, active=True).order_by("kind", "name")
    )
    needs = required_counts(
        [PointDemand(p.pk, p.kind, p.households, p.required_count) for p in point_rows],
        cadre_count=len(cadres),
        households_per_cadre=settings.households_per_cadre,
        unit_default=settings.unit_required_default,
    )
    points = [PointIn(p.pk, p.name, p.kind, p.neighborhood_id, needs[p.pk]) for p in point_rows]
    rules = PairingRules(
        max_points_per_cadre=settings.max_points_per_cadre,
        avoid_home_neighborhood=settings.avoid_home_neighborhood,
        affinity=settings.affinity or {},
    )
    return cadres, points, rules


@transaction.atomic
def propose_pairings(*, actor: Any, subdistrict: SubDistrict, time_limit: float = 10.0) -> PairingProposal:
    """Run the optimiser and store its proposal for review; infeasible input stores the explanation."""
    from fangkong.pairing.optimiser import reason_text, solve_pairing

    if actor is not None:
        require_hq(actor)
    cadres, points, rules = optimiser_input(subdistrict.pk)
    result = solve_pairing(cadres, points, rules, time_limit=time_limit)
    proposal = PairingProposal.objects.create(
        subdistrict=subdistrict,
        status=ProposalStatus.OPEN if result.ok else ProposalStatus.INFEASIBLE,
        params={
            "time_limit": time_limit,
            "max_points_per_cadre": rules.max_points_per_cadre,
            "avoid_home_neighborhood": rules.avoid_home_neighborhood,
            "cadres": len(cadres),
            "points": len(points),
            "required": sum(p.required for p in points),
        },
        solver_status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=round(result.seconds, 3),
        explanation=result.explanation,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if result.ok:
        items = []
        for c in cadres:
            new = set(result.assignment.get(c.id, []))
            for pid in sorted(new | c.current_points):
                if pid in new and pid in c.current_points:
                    action = ProposalAction.KEEP
                elif pid in new:
                    action = ProposalAction.ADD
                else:
                    action = ProposalAction.REMOVE
                parts = (
                    result.reason_parts.get(c.id, []) if action != ProposalAction.REMOVE else [("remove", {})]
                )
                items.append(
                    ProposalItem(
                        proposal=proposal,
                        cadre_id=c.id,
                        point_id=pid,
                        action=action,
                        reason=reason_text(parts)[:200],
                        reason_args=[list(part) for part in parts],
                    )
                )
        ProposalItem.objects.bulk_create(items)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=proposal,
        changes={"status": result.status, "gap": result.gap, "objective": result.objective},
    )
    return proposal


@transaction.atomic
def accept_proposal(
    *, actor: Any, proposal: PairingProposal, item_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Carry out a proposal, wholly or the chosen items only: adds pair the cadre, removals end pairings."""
    require_hq(actor)
    proposal = PairingProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.PARTLY):
        raise ValidationError(_("该方案已处理，不能再次采纳。"))
    pending = proposal.items.filter(accepted_at__isnull=True).select_related("cadre", "point")
    if item_ids is not None:
        pending = pending.filter(pk__in=list(item_ids))
    items = list(pending)
    now = timezone.now()
    done = {"added": 0, "removed": 0, "kept": 0}
    # removals first, so a cadre moving point stays within their point limit
    for item in sorted(items, key=lambda i: i.action != ProposalAction.REMOVE):
        if item.action == ProposalAction.REMOVE:
            for pairing in Pairing.objects.filter(cadre=item.cadre, point=item.point, active=True):
                end_pairing(actor=actor, pairing=pairing)
            done["removed"] += 1
        elif item.action == ProposalAction.ADD:
            if not Pairing.objects.filter(cadre=item.cadre, point=item.point, active=True).exists():
                pair_cadre(actor=actor, cadre=item.cadre, point=item.point, source=PairingSource.OPTIMISER)
            done["added"] += 1
        else:
            done["kept"] += 1
        item.accepted_at = now
    ProposalItem.objects.bulk_update(items, ["accepted_at"])
    left = proposal.items.filter(accepted_at__isnull=True).exists()
    proposal.status = ProposalStatus.PARTLY if left else ProposalStatus.ACCEPTED
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=proposal, changes=done, note=_("采纳结对方案"))
    return done


@transaction.atomic(durable=True)
def reject_proposal(*, actor: Any, proposal: PairingProposal) -> PairingProposal:
    require_hq(actor)
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.PARTLY):
        raise ValidationError(_("该方案已处理。"))
    proposal.status = ProposalStatus.REJECTED
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=proposal, note=_("驳回结对方案"))
    return proposal
