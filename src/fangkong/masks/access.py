"""Who may do what with mask reservations: the one set of predicates that views, the API, services and
templates ask (views pass the answers to templates as booleans, so a control is shown only when the view
behind it would accept the user)."""

from __future__ import annotations

from typing import Any

from fangkong.core import scope
from fangkong.core.exceptions import ScopeError

DOMAIN = "masks"


def can_read(user: Any) -> bool:
    """Signed-in users whose scope reaches the masks domain of some sub-district (staff pages, read API)."""
    return scope.staff_in_domain(user, DOMAIN)


def can_manage(user: Any) -> bool:
    """HQ-level users of the masks domain: open rounds, record stock, add sites, draw lotteries, finish."""
    return scope.manages_domain(user, DOMAIN)


def can_manage_subdistrict(user: Any, subdistrict_id: int) -> bool:
    """can_manage, for a round of this sub-district."""
    return scope.manages_domain(user, DOMAIN, subdistrict_id)


def can_work(user: Any) -> bool:
    """Users who work bookings of at least some neighborhoods: desk booking, review, pickup, posters."""
    return scope.works_in_domain(user, DOMAIN)


def may_work_neighborhood(user: Any, subdistrict_id: int, neighborhood_id: int | None) -> bool:
    """May ``user`` write bookings, vouchers and stock of this neighborhood (the services ask it too)?"""
    return scope.may_write_row(
        user, domain=DOMAIN, subdistrict_id=subdistrict_id, neighborhood_id=neighborhood_id
    )


def neighborhoods_seen(user: Any) -> frozenset[int] | None:
    """The neighborhoods whose figures the user sees in a round they can open (None: all of the round's)."""
    return scope.neighborhoods_of(user)


def flags(user: Any) -> dict[str, bool]:
    """The predicates a masks page template needs, by name."""
    return {"can_manage": can_manage(user), "can_work": can_work(user)}


def require_manage(actor: Any, subdistrict_id: int) -> None:
    """ScopeError unless ``actor`` manages the masks of this sub-district (the services ask it)."""
    if not can_manage_subdistrict(actor, subdistrict_id):
        raise ScopeError("masks-manage")


def require_neighborhood(actor: Any, subdistrict_id: int, neighborhood_id: int) -> None:
    """ScopeError unless ``actor`` works the masks of this neighborhood (the services ask it)."""
    if not may_work_neighborhood(actor, subdistrict_id, neighborhood_id):
        raise ScopeError("neighborhood")
