"""Who may do what with inspection records: one predicate per action, asked by the views, the API, the
services (through ``check_write_scope``) and the templates alike.

Reads are scoped by ``visible_to`` (the office and HQ: the sub-district; committee staff: their
neighborhoods' firms; a firm's contact: that firm only). Writes add the role rules below."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from fangkong.core import scope
from fangkong.core.choices import Domain, Role
from fangkong.core.services import may_write
from fangkong.inspections import machine
from fangkong.inspections.choices import ApplicationStatus

D = Domain.INSPECTIONS


def may_see_firms(user: Any) -> bool:
    """Firm pages: inspections staff (scoped) and a firm's contact (their own firm)."""
    return scope.reaches_domain(user, D)


def firm_user(user: Any) -> Any:
    """The gate of the firm pages and API operations: 404 for anyone else."""
    if not may_see_firms(user):
        raise Http404
    return user


def may_manage(user: Any) -> bool:
    """Sub-district-wide work: the call list, duplicate review, boundary and exempt rows, decisions on
    applications (the HQ and the office holding the inspections domain)."""
    return scope.manages_domain(user, D) and bool(getattr(user, "subdistrict_id", None))


def manager(user: Any) -> Any:
    if not may_manage(user):
        raise Http404
    return user


def may_see_counts(user: Any) -> bool:
    """The counts page: inspections staff, read-only roles included (not organisation contacts)."""
    return scope.staff_in_domain(user, D)


def counts_user(user: Any) -> Any:
    if not may_see_counts(user):
        raise Http404
    return user


def may_add_firm(user: Any) -> bool:
    """An on-site finding is added by anyone who writes firms somewhere (not contacts, not read-only)."""
    return scope.works_in_domain(user, D)


def may_apply(user: Any, firm: Any) -> bool:
    """A resumption application for ``firm``: its writers and its own contact, when its status allows."""
    return firm.merged_into_id is None and machine.allowed(firm.status, "applied") and may_write(user, firm)


def may_set_status(user: Any, firm: Any) -> bool:
    """The firm page's direct transitions (early opening found, dissuaded, supervision …): firm writers who
    are not its contact."""
    return (
        firm.merged_into_id is None
        and bool(machine.direct_statuses(firm.status))
        and not scope.is_organisation_contact(user)
        and may_write(user, firm)
    )


def may_decide(user: Any, application: Any) -> bool:
    return (
        application.status == ApplicationStatus.PENDING and may_manage(user) and may_write(user, application)
    )


def may_issue_link(user: Any, firm: Any) -> bool:
    """Issue (or replace) the firm's public application link: the office or HQ."""
    return may_manage(user) and firm.merged_into_id is None and may_write(user, firm)


def may_see_staff(user: Any, firm: Any) -> bool:
    """The firm's staff declarations (returnees whose employer is the firm): its own contact and the office
    (or HQ); nobody else. ``firm`` was read through the door, so a contact's firm is their own."""
    if scope.is_organisation_contact(user):
        return firm.organization_id in (getattr(user, "organization_id", None),)
    return may_manage(user)


def staff_user(user: Any, firm: Any) -> Any:
    if not may_see_staff(user, firm):
        raise Http404
    return user


def may_call(user: Any, firm: Any) -> bool:
    return (
        may_manage(user)
        and firm.merged_into_id is None
        and firm.status in machine.ON_CALL_LIST
        and may_write(user, firm)
    )


def visits_user(user: Any) -> Any:
    """The gate of the visit pages: inspections staff (read-only roles included), not contacts."""
    if not scope.staff_in_domain(user, D):
        raise Http404
    return user


def may_visit(user: Any) -> bool:
    """Start a visit: anyone who writes inspection rows somewhere (patrols, committee staff, the office)."""
    return scope.works_in_domain(user, D)


def may_edit_visit(user: Any, visit: Any) -> bool:
    return visit.state == "draft" and may_write(user, visit)


def may_escalate(user: Any, firm: Any) -> bool:
    """Escalate to the special supervision team: the office or HQ, for a firm open early or dissuaded."""
    return (
        may_manage(user)
        and firm.merged_into_id is None
        and machine.allowed(firm.status, "supervised")
        and may_write(user, firm)
    )


def may_work_case(user: Any, case: Any) -> bool:
    return case.outcome == "open" and may_manage(user) and may_write(user, case)


def patrols_user(user: Any) -> Any:
    """The gate of the patrol pages: inspections staff (read-only roles included), not contacts."""
    if not scope.staff_in_domain(user, D):
        raise Http404
    return user


def may_set_up_patrols(user: Any) -> bool:
    """Teams, members and shifts go through the pairing app's points, duty people and roster solver, which
    the HQ (指挥部) sets up."""
    is_hq = bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.HQ)
    return is_hq and may_manage(user)


def may_patrol(user: Any) -> bool:
    """Record a patrol round and its findings: the office (and HQ), who work across the zones."""
    return may_manage(user)


def flags(user: Any) -> dict[str, bool]:
    """The page-wide answers for templates."""
    return {
        "visit": may_visit(user),
        "visits": scope.staff_in_domain(user, D),
        "manage": may_manage(user),
        "add_firm": may_add_firm(user),
        "counts": may_see_counts(user),
        "contact": scope.is_organisation_contact(user),
        "patrols": scope.staff_in_domain(user, D),
        "patrol": may_patrol(user),
        "set_up_patrols": may_set_up_patrols(user),
    }


def firm_controls(user: Any, firm: Any) -> dict[str, Any]:
    """The firm page's controls the user may use."""
    direct = machine.direct_statuses(firm.status) if may_set_status(user, firm) else []
    return {
        "apply": may_apply(user, firm),
        "statuses": direct,
        "call": may_call(user, firm),
        "link": may_issue_link(user, firm),
        "staff": may_see_staff(user, firm),
        "escalate": may_escalate(user, firm),
        "visit": may_visit(user) and firm.merged_into_id is None and may_write(user, firm),
    }
