"""What a user may see and change. Every scoped read goes through ``Model.objects.visible_to(user)``.

A Scope is computed once per request-user and cached on the user object. Domain apps can add to a user's
neighborhoods with ``register_neighborhood_provider`` (the pairing app grants cadres the neighborhoods of
their fixed points this way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fangkong.core.choices import Role

_providers: list[Callable[[Any], Iterable[int]]] = []


def register_neighborhood_provider(func: Callable[[Any], Iterable[int]]) -> None:
    """Add a function user -> neighborhood ids that extends a cadre's or staff member's scope."""
    if func not in _providers:
        _providers.append(func)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    subdistrict_ids: frozenset[int] = frozenset()
    neighborhood_ids: frozenset[int] | None = None  # None: the whole of each sub-district
    organization_ids: frozenset[int] | None = None  # set only for organisation contacts
    domains: frozenset[str] | None = None  # None: every domain
    read_only: bool = False

    def covers_neighborhood(self, subdistrict_id: int | None, neighborhood_id: int | None) -> bool:
        if self.everything:
            return True
        if subdistrict_id not in self.subdistrict_ids:
            return False
        if self.organization_ids is not None:
            return False
        if self.neighborhood_ids is None:
            return True
        return neighborhood_id in self.neighborhood_ids

    def allows_domain(self, domain: str) -> bool:
        return self.everything or self.domains is None or domain in self.domains

    def write_refusal(self, domain: str, subdistrict_id: int | None, neighborhood_id: int | None) -> str:
        """Why a row of ``domain`` in this sub-district and neighborhood (None: a sub-district-wide row) may
        not be written, or "" when it may. The one rule for "may this actor write a row of neighborhood X";
        ``core.services.check_write_scope`` asks it for a model instance."""
        if self.everything:
            return ""
        if self.read_only or not self.subdistrict_ids:
            return "read-only"
        if not self.allows_domain(domain):
            return "domain"
        if subdistrict_id not in self.subdistrict_ids:
            return "subdistrict"
        if self.organization_ids is not None:
            return "organization"
        if self.neighborhood_ids is None:
            return ""
        if neighborhood_id is None or neighborhood_id not in self.neighborhood_ids:
            return "neighborhood"
        return ""


NOTHING = Scope()


def scope_for(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_fangkong_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._fangkong_scope = scope
    return scope


def clear_scope_cache(user: Any) -> None:
    if hasattr(user, "_fangkong_scope"):
        del user._fangkong_scope


def _compute(user: Any) -> Scope:
    if user.is_superuser:
        return Scope(everything=True)
    role = user.role
    if role == Role.DISTRICT_VIEWER:
        if not user.district_id:
            return NOTHING
        # The sub-district model is the one the user's own ``subdistrict`` relation points at: core asks its
        # relations instead of importing the registry that defines it.
        subdistricts = user._meta.get_field("subdistrict").related_model._default_manager
        ids = frozenset(subdistricts.filter(district_id=user.district_id).values_list("pk", flat=True))
        return Scope(subdistrict_ids=ids, read_only=True)
    if not user.subdistrict_id:
        return NOTHING
    subs = frozenset({user.subdistrict_id})
    if role == Role.HQ:
        return Scope(subdistrict_ids=subs)
    if role == Role.AUDITOR:
        return Scope(subdistrict_ids=subs, read_only=True)
    if role == Role.OFFICE:
        return Scope(subdistrict_ids=subs, domains=frozenset(user.domains or []))
    if role == Role.ORG_CONTACT:
        org = {user.organization_id} if user.organization_id else set()
        return Scope(subdistrict_ids=subs, neighborhood_ids=frozenset(), organization_ids=frozenset(org))
    if role in (Role.STAFF, Role.CADRE):
        hoods = set(user.neighborhoods.values_list("pk", flat=True))
        for provider in _providers:
            hoods.update(provider(user))
        return Scope(subdistrict_ids=subs, neighborhood_ids=frozenset(hoods))
    return NOTHING


# ---------------------------------------------------------------------------------------- named predicates
# The questions the apps' access modules ask about a user's scope. Outside core, code asks these (or the
# managers' visible_to / editable_by) instead of reading a Scope's fields.


def may_write_row(user: Any, *, domain: str, subdistrict_id: int | None, neighborhood_id: int | None) -> bool:
    """May ``user`` write a row of ``domain`` in this sub-district and neighborhood (None: a row of the whole
    sub-district, which only sub-district-wide writers may write)?"""
    return not scope_for(user).write_refusal(domain, subdistrict_id, neighborhood_id)


def domain_allowed(user: Any, domain: str) -> bool:
    """The user's domains include ``domain`` (everyone's do but a functional office's)."""
    return scope_for(user).allows_domain(domain)


def reaches_domain(user: Any, domain: str) -> bool:
    """The user sees some records of ``domain``: a scope in some sub-district that allows the domain
    (organisation contacts included, for the records of their organisation)."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return bool(scope.subdistrict_ids) and (scope.organization_ids is not None or scope.allows_domain(domain))


def staff_in_domain(user: Any, domain: str) -> bool:
    """Staff pages of ``domain``: a scope in some sub-district that allows the domain, organisation contacts
    excluded (read-only district viewers and auditors included)."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return bool(scope.subdistrict_ids) and scope.organization_ids is None and scope.allows_domain(domain)


def manages_domain(user: Any, domain: str, subdistrict_id: int | None = None) -> bool:
    """Sub-district-wide writers of ``domain`` (the HQ, the domain's functional office, superusers); of the
    given sub-district when one is named."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return (
        bool(scope.subdistrict_ids)
        and not scope.read_only
        and scope.neighborhood_ids is None
        and scope.organization_ids is None
        and scope.allows_domain(domain)
        and (subdistrict_id is None or subdistrict_id in scope.subdistrict_ids)
    )


def works_in_domain(user: Any, domain: str) -> bool:
    """The user may write rows of ``domain`` in at least some neighborhood (no read-only roles, no
    organisation contacts, no committee member without a neighborhood)."""
    scope = scope_for(user)
    if scope.everything:
        return True
    if not scope.subdistrict_ids or scope.read_only or scope.organization_ids is not None:
        return False
    if not scope.allows_domain(domain):
        return False
    return scope.neighborhood_ids is None or bool(scope.neighborhood_ids)


def is_organisation_contact(user: Any) -> bool:
    """The user's scope is their organisation's records (an organisation contact)."""
    scope = scope_for(user)
    return not scope.everything and scope.organization_ids is not None


def subdistricts_of(user: Any) -> frozenset[int] | None:
    """The sub-districts the user's scope reaches; None: every sub-district (a superuser)."""
    scope = scope_for(user)
    return None if scope.everything else scope.subdistrict_ids


def neighborhoods_of(user: Any) -> frozenset[int] | None:
    """The neighborhoods the user is limited to; None: every neighborhood of their sub-districts."""
    scope = scope_for(user)
    return None if scope.everything else scope.neighborhood_ids


def covers_neighborhood(user: Any, subdistrict_id: int | None, neighborhood_id: int | None) -> bool:
    """The user's scope reaches records of this neighborhood (reading)."""
    return scope_for(user).covers_neighborhood(subdistrict_id, neighborhood_id)


def scope_signature(user: Any) -> tuple[Any, ...]:
    """What decides the rows ``user`` may read, as a hashable value: two users with the same signature see
    the same records (a cache of figures may be shared between them), never their identity."""
    scope = scope_for(user)

    def norm(values: Any) -> tuple[Any, ...] | None:
        return None if values is None else tuple(sorted(values))

    return (
        scope.everything,
        norm(scope.subdistrict_ids),
        norm(scope.neighborhood_ids),
        norm(scope.organization_ids),
        norm(scope.domains),
        scope.read_only,
        getattr(user, "role", ""),
        bool(getattr(user, "is_superuser", False)),
    )
