"""Who may do what with the care register: one predicate per action, asked by the views, the API, the
services and the templates alike, so a page offers a control only when submitting it would be accepted.

Reads are scoped by ``visible_to`` and writes by ``check_write_scope``; these predicates add the role rules
on top and answer without touching the database."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from fangkong.care.choices import CareStatus
from fangkong.core import scope
from fangkong.core.choices import Domain
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope


def may_see_care(user: Any) -> bool:
    """The care register is for HQ, committees, cadres, the care office and the read-only district viewer
    and auditor (all scoped); organisation contacts and other domains' offices see none."""
    return scope.staff_in_domain(user, Domain.CARE)


def care_user(user: Any) -> Any:
    """The gate of every staff page and API operation of the care app: 404 for anyone else."""
    if not may_see_care(user):
        raise Http404
    return user


def may_enrol(user: Any) -> bool:
    """Take a resident into care (confirm a candidate): whoever writes care rows in some neighborhood."""
    return scope.works_in_domain(user, Domain.CARE)


def _may_write(user: Any, obj: Any) -> bool:
    try:
        check_write_scope(user, obj)
    except ScopeError:
        return False
    return True


def may_edit_record(user: Any, record: Any) -> bool:
    return _may_write(user, record)


def may_record_delivery(user: Any, record: Any) -> bool:
    """Record a visit (delivery, not home, refused) for a person in care."""
    return record.status == CareStatus.ACTIVE and record.weekday is not None and _may_write(user, record)


def may_reveal_personal(user: Any) -> bool:
    """The audited 查看明文 of a phone number: the same permission as for residents."""
    return bool(getattr(user, "is_superuser", False) or getattr(user, "may_reveal_personal_data", False))


def flags(user: Any) -> dict[str, bool]:
    """The predicates a care page template needs, by name."""
    return {
        "can_enrol": may_enrol(user),
        "can_reveal": may_reveal_personal(user),
        "can_donate": may_record_donation(user),
    }


def may_record_donation(user: Any) -> bool:
    """Receive a donation: whoever writes care rows in some neighborhood (or the whole sub-district)."""
    return scope.works_in_domain(user, Domain.CARE)


def may_distribute(user: Any, item: Any) -> bool:
    """Give out an item of the donations ledger: its account is in the user's scope and has a balance."""
    return item.balance > 0 and _may_write(user, item)


def may_move_masks(user: Any, item: Any) -> bool:
    """Move donated masks into the mask stock ledger: a masks manager of the sub-district (the masks app's
    own rule for recording stock) who may also write the item's account."""
    from fangkong.masks.access import can_manage_subdistrict

    return item.is_masks and may_distribute(user, item) and can_manage_subdistrict(user, item.subdistrict_id)


def may_record_materials(user: Any) -> bool:
    """Count materials handed out: whoever writes care rows in some neighborhood."""
    return scope.works_in_domain(user, Domain.CARE)


# ------------------------------------------------------------------------------------------ volunteers


def may_verify_signup(user: Any, signup: Any) -> bool:
    """Verify or turn down a volunteer's sign-up: it is waiting and in the user's writable scope."""
    from fangkong.care.choices import SignupStatus

    return signup.status == SignupStatus.PENDING and _may_write(user, signup)


def may_plan_duty(user: Any, neighborhood: Any) -> bool:
    """Roster a neighborhood's volunteers: a manager of the pairing app's duty rosters (the roster is
    theirs) who writes care rows of that neighborhood."""
    from fangkong.pairing.access import is_manager

    return is_manager(user) and scope.may_write_row(
        user,
        domain=Domain.CARE,
        subdistrict_id=neighborhood.subdistrict_id,
        neighborhood_id=neighborhood.pk,
    )


def may_check_in(user: Any, volunteer: Any) -> bool:
    """Record a volunteer's check-in or check-out: care rows of the volunteer's neighborhood are writable."""
    if volunteer.neighborhood_id is None or not volunteer.active:
        return False
    return scope.may_write_row(
        user,
        domain=Domain.CARE,
        subdistrict_id=volunteer.subdistrict_id,
        neighborhood_id=volunteer.neighborhood_id,
    )


def may_make_registration_point(user: Any, compound: Any) -> bool:
    """Make a compound's gate a health registration point (the returnees app's venue): its own rule for
    registering venues, and the compound in the user's writable scope."""
    from fangkong.returnees.access import may_register_venues, may_see_venues

    return (
        may_see_venues(user)
        and may_register_venues(user)
        and all(
            scope.may_write_row(
                user,
                domain=d,
                subdistrict_id=compound.subdistrict_id,
                neighborhood_id=compound.neighborhood_id,
            )
            for d in (Domain.REGISTRY, Domain.RETURNEES)
        )
    )


def may_plan_any_duty(user: Any) -> bool:
    """The duty page is offered to pairing managers who write care rows somewhere."""
    from fangkong.pairing.access import is_manager

    return is_manager(user) and scope.works_in_domain(user, Domain.CARE)


# -------------------------------------------------------------------------------- online briefings (微党课)


def may_plan_briefing(user: Any) -> bool:
    """Plan a briefing: whoever writes care rows in some neighborhood (or the whole sub-district)."""
    return scope.works_in_domain(user, Domain.CARE)


def may_edit_briefing(user: Any, briefing: Any) -> bool:
    """Record a briefing's questions, answers, real times and imported attendance: the briefing is in the
    user's writable scope."""
    return _may_write(user, briefing)


# ------------------------------------------------------------------------------ 两新 organisations


def may_mark_liangxin(user: Any) -> bool:
    """Mark an organisation as 两新: whoever writes care rows in some neighborhood (or the sub-district)."""
    return scope.works_in_domain(user, Domain.CARE)


def may_edit_liangxin(user: Any, org: Any) -> bool:
    """Record what a 两新 organisation's members did: the organisation's row is in the user's writable scope."""
    return _may_write(user, org)
