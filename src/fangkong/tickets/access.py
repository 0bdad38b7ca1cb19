"""Who may do what with partner units and tickets: one predicate per action, asked by the views, the API,
the services and the templates alike, so a page offers a control only when submitting it would be accepted.

Reads are scoped by ``visible_to``: HQ sees the sub-district, committee staff and cadres their neighborhoods,
a partner unit's people (organisation contacts) their unit's tickets. Writes are ``check_write_scope`` plus
the role rules below."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from fangkong.core import scope
from fangkong.core.choices import Domain
from fangkong.core.services import may_write
from fangkong.tickets.choices import OPEN_STATES, MemberRole, TicketSource, TicketState

# The one table of allowed transitions: from a state, the states a ticket may go to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    TicketState.NEW: (TicketState.DISPATCHED, TicketState.CANCELLED),
    TicketState.DISPATCHED: (TicketState.RESPONDED, TicketState.REFERRED, TicketState.CANCELLED),
    TicketState.RESPONDED: (TicketState.ON_SITE, TicketState.REFERRED, TicketState.CANCELLED),
    TicketState.ON_SITE: (
        TicketState.TEMP_FIX,
        TicketState.FULL_REPAIR,
        TicketState.SAFETY_CHECK,
        TicketState.REFERRED,
        TicketState.DONE,
    ),
    TicketState.TEMP_FIX: (
        TicketState.AWAITING_CONSENT,
        TicketState.FULL_REPAIR,
        TicketState.SAFETY_CHECK,
        TicketState.REFERRED,
        TicketState.DONE,
    ),
    TicketState.AWAITING_CONSENT: (TicketState.FULL_REPAIR, TicketState.CANCELLED),
    TicketState.FULL_REPAIR: (TicketState.SAFETY_CHECK, TicketState.DONE),
    TicketState.SAFETY_CHECK: (TicketState.DONE,),
    TicketState.REFERRED: (TicketState.RESPONDED, TicketState.CANCELLED),
    TicketState.DONE: (),
    TicketState.CANCELLED: (),
}

# The transitions of the crew (the unit's people; HQ may act for them). Dispatching a new ticket is the
# committee's (or HQ's) step: it confirms a resident's report and routes it.
CREW_STEPS = frozenset(TicketState.values) - {TicketState.NEW, TicketState.DISPATCHED, TicketState.CANCELLED}


def may_see_tickets(user: Any) -> bool:
    """Ticket pages are for every staff role in the domain and for organisation contacts (a partner unit's
    people see their unit's tickets; other organisations see none)."""
    return scope.reaches_domain(user, Domain.TICKETS)


def tickets_user(user: Any) -> Any:
    """The gate of every page and API operation of the app: 404 for anyone else."""
    if not may_see_tickets(user):
        raise Http404
    return user


def member_of(user: Any) -> Any:
    """The user's partner-unit membership (UnitMember) or None; read once per request user."""
    if not getattr(user, "is_authenticated", False) or not scope.is_organisation_contact(user):
        return None
    if not hasattr(user, "_tickets_member"):
        from fangkong.tickets.models import UnitMember

        user._tickets_member = UnitMember.objects.filter(user=user).select_related("unit").first()
    return user._tickets_member


def may_manage_units(user: Any) -> bool:
    """Units, their services, SLAs and duty setup are set by the HQ or the office of the domain."""
    return scope.manages_domain(user, Domain.TICKETS) and bool(getattr(user, "subdistrict_id", None))


def may_edit_kit(user: Any, unit: Any) -> bool:
    """The kit counts: the managers, and the unit's own lead or dispatcher."""
    if may_manage_units(user) and may_write(user, unit):
        return True
    member = member_of(user)
    return member is not None and member.unit_id == unit.pk and member.role != MemberRole.CREW


def may_open_ticket(user: Any) -> bool:
    """Committee staff, cadres, HQ (and the domain's office) open tickets in their scope; so does a unit's
    dispatcher or lead, for its own unit."""
    if scope.works_in_domain(user, Domain.TICKETS):
        return True
    member = member_of(user)
    return member is not None and member.role != MemberRole.CREW


def may_confirm(user: Any, ticket: Any) -> bool:
    """A resident's report is confirmed (and routed) by the committee of its neighborhood or by HQ."""
    return (
        ticket.state == TicketState.NEW
        and ticket.source == TicketSource.PUBLIC
        and not scope.is_organisation_contact(user)
        and may_write(user, ticket)
    )


def may_move(user: Any, ticket: Any, to_state: str) -> bool:
    """May ``user`` take ``ticket`` to ``to_state`` now: allowed by the table, and theirs to do."""
    if to_state not in TRANSITIONS.get(ticket.state, ()):
        return False
    if not may_write(user, ticket):
        return False
    if to_state == TicketState.DISPATCHED:
        return ticket.confirmed_at is not None or ticket.source != TicketSource.PUBLIC
    if to_state in CREW_STEPS:
        return scope.is_organisation_contact(user) or scope.manages_domain(user, Domain.TICKETS)
    return True  # cancelling: the committee, HQ or the unit


def allowed_moves(user: Any, ticket: Any) -> list[str]:
    return [s for s in TRANSITIONS.get(ticket.state, ()) if may_move(user, ticket, s)]


def may_record_consent(user: Any, ticket: Any) -> bool:
    return ticket.state == TicketState.AWAITING_CONSENT and may_move(user, ticket, TicketState.FULL_REPAIR)


def may_check_flats(user: Any, ticket: Any) -> bool:
    return ticket.state == TicketState.SAFETY_CHECK and may_move(user, ticket, TicketState.DONE)


def may_add_photo(user: Any, ticket: Any) -> bool:
    return ticket.state in OPEN_STATES and may_write(user, ticket)


def own_duty_person(user: Any) -> Q:
    """The condition on pairing's DutyPerson that picks a partner unit's person's own duty person (registered
    with pairing, whose swap requests then accept it as the user's own)."""
    return Q(unit_member__user=user)


def may_request_own_swap(user: Any) -> bool:
    """A partner unit's person on its duty roster asks for a swap of their own shifts (pairing's swap flow;
    the roster's manager approves)."""
    member = member_of(user)
    return member is not None and member.duty_person_id is not None


def flags(user: Any) -> dict[str, bool]:
    return {
        "may_manage_units": may_manage_units(user),
        "may_open_ticket": may_open_ticket(user),
        "is_unit_member": scope.is_organisation_contact(user),
        "may_swap": may_request_own_swap(user),
    }
