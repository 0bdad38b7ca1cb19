"""Who may do what with mask reservations: the one set of predicates that views, the API, services and
templates ask (views pass the answers to templates as booleans, so a control is shown only when the view
behind it would accept the user)."""

from __future__ import annotations

from typing import Any

from fangkong.core.exceptions import ScopeError
from fangkong.core.scope import scope_for


def can_read(user: Any) -> bool:
    """Signed-in users whose scope reaches the masks domain of some sub-district (staff pages, read API)."""
    if not getattr(user, "is_authenticated", False):
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    return bool(scope.subdistrict_ids) and scope.organization_ids is None and scope.allows_domain("masks")


def can_manage(user: Any) -> bool:
    """HQ-level users of the masks domain: open rounds, record stock, add sites, draw lotteries, finish."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return (
        bool(scope.subdistrict_ids)
        and not scope.read_only
        and scope.neighborhood_ids is None
        and scope.organization_ids is None
        and scope.allows_domain("masks")
    )


def can_manage_subdistrict(user: Any, subdistrict_id: int) -> bool:
    """can_manage, for a round of this sub-district."""
    scope = scope_for(user)
    return can_manage(user) and (scope.everything or subdistrict_id in scope.subdistrict_ids)


def can_work(user: Any) -> bool:
    """Users who work bookings of at least some neighborhoods: desk booking, review, pickup, posters."""
    scope = scope_for(user)
    if scope.everything:
        return True
    if not scope.subdistrict_ids or scope.read_only or scope.organization_ids is not None:
        return False
    if not scope.allows_domain("masks"):
        return False
    return scope.neighborhood_ids is None or bool(scope.neighborhood_ids)


def flags(user: Any) -> dict[str, bool]:
    """The predicates a masks page template needs, by name."""
    return {"can_manage": can_manage(user), "can_work": can_work(user)}


def require_manage(actor: Any, subdistrict_id: int) -> None:
    if not can_manage_subdistrict(actor, subdistrict_id):
        raise ScopeError("masks-manage")


def require_neighborhood(actor: Any, subdistrict_id: int, neighborhood_id: int) -> None:
    scope = scope_for(actor)
    if scope.read_only or not scope.allows_domain("masks"):
        raise ScopeError("masks")
    if not scope.covers_neighborhood(subdistrict_id, neighborhood_id):
        raise ScopeError("neighborhood")
