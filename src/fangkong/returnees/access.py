"""Who may do what with returnee records: one predicate per action, asked by the views, the API, the services
and the templates alike, so a page offers a control only when submitting it would be accepted.

Reads are scoped by ``visible_to`` and writes by ``check_write_scope``; these predicates add the role rules
on top and answer without touching the database."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from fangkong.core import scope
from fangkong.core.choices import Domain, Role
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope
from fangkong.returnees.choices import AmendmentStatus, IsolationStatus


def may_see_returnees(user: Any) -> bool:
    """Returnee records are for HQ, committees, cadres, the returnees office and the read-only district
    viewer and auditor (all scoped); organisation contacts and other domains see none."""
    return scope.staff_in_domain(user, Domain.RETURNEES)


def returnee_user(user: Any) -> Any:
    """The gate of every staff page and API operation on returnee records: 404 for anyone else."""
    if not may_see_returnees(user):
        raise Http404
    return user


def may_see_venues(user: Any) -> bool:
    """Venues (and their health logs) are for returnee staff and for organisation contacts, who see the
    venues of their organisation."""
    return scope.reaches_domain(user, Domain.RETURNEES)


def venue_user(user: Any) -> Any:
    """The gate of the venue pages: 404 for anyone else."""
    if not may_see_venues(user):
        raise Http404
    return user


def may_set_rules(user: Any) -> bool:
    """Risk rules are set by the HQ and the returnees functional office of a sub-district."""
    return scope.manages_domain(user, Domain.RETURNEES) and bool(getattr(user, "subdistrict_id", None))


def rules_user(user: Any) -> Any:
    """The gate of the risk-rule pages: 404 for anyone else."""
    if not may_set_rules(user):
        raise Http404
    return user


def may_register_venues(user: Any) -> bool:
    """Staff (not organisation contacts) register an organisation's or premises' venue."""
    return not scope.is_organisation_contact(user)


def _may_write(user: Any, obj: Any) -> bool:
    try:
        check_write_scope(user, obj)
    except ScopeError:
        return False
    return True


def may_edit_venue(user: Any, venue: Any) -> bool:
    """Log staff temperatures and set visit suspensions at a venue."""
    return _may_write(user, venue)


def may_complete_task(user: Any, task: Any) -> bool:
    """Mark a missed-report follow-up task done."""
    return _may_write(user, task)


def may_record_report(user: Any, isolation: Any) -> bool:
    """A phone follow-up (电话随访录入) on an active isolation."""
    return isolation.status == IsolationStatus.ACTIVE and _may_write(user, isolation)


def may_extend_isolation(user: Any, isolation: Any) -> bool:
    return isolation.status == IsolationStatus.ACTIVE and _may_write(user, isolation)


def may_reissue_link(user: Any, isolation: Any) -> bool:
    return isolation.status == IsolationStatus.ACTIVE and _may_write(user, isolation)


def may_sign_release(user: Any) -> bool:
    """Release is signed by committee staff or HQ (the service asks this too)."""
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) in (Role.STAFF, Role.HQ))


def may_release_isolation(user: Any, isolation: Any) -> bool:
    return (
        may_sign_release(user) and isolation.status == IsolationStatus.ACTIVE and _may_write(user, isolation)
    )


def may_start_isolation(user: Any, declaration: Any) -> bool:
    return _may_write(user, declaration)


def may_record_referral_outcome(user: Any, referral: Any) -> bool:
    return _may_write(user, referral)


def may_decide_amendment(user: Any, amendment: Any) -> bool:
    return amendment.status == AmendmentStatus.PENDING and _may_write(user, amendment)


def may_resolve_duplicate(user: Any, declaration: Any) -> bool:
    """HQ checks a declaration kept as a possible duplicate of another neighborhood's (once)."""
    role_ok = getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.HQ
    return (
        role_ok
        and declaration.duplicate_of_id is not None
        and declaration.duplicate_resolved_at is None
        and _may_write(user, declaration)
    )


def may_reveal_personal(user: Any) -> bool:
    """The audited 查看明文 of an ID or phone number: the same permission as for residents."""
    return bool(getattr(user, "is_superuser", False) or getattr(user, "may_reveal_personal_data", False))


def isolation_controls(user: Any, isolation: Any) -> dict[str, bool]:
    """The isolation page's controls the user may use, by name (for the template)."""
    return {
        "report": may_record_report(user, isolation),
        "extend": may_extend_isolation(user, isolation),
        "release": may_release_isolation(user, isolation),
        "reissue": may_reissue_link(user, isolation),
        "reveal": may_reveal_personal(user),
    }
