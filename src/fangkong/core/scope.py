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
