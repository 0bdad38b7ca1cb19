"""The one scoping door: ``visible_to(user)`` and ``editable_by(user)`` on every scoped model's manager.

A scoped model names its scope fields as class attributes (see ``core.models.ScopedModel``):
``scope_domain``, ``scope_subdistrict_field``, ``scope_neighborhood_field``, ``scope_organization_field`` and
``scope_shared``. A shared model (organisations, premises …) is visible sub-district-wide to neighborhood
staff when it has no neighborhood of its own, but only editable by them inside their neighborhoods.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from fangkong.core.scope import scope_for

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    def _scoped(self, user: Any, *, for_write: bool) -> ScopedQuerySet[M]:
        scope = scope_for(user)
        model: Any = self.model
        if scope.everything:
            return self
        if not scope.subdistrict_ids:
            return self.none()
        if for_write and scope.read_only:
            return self.none()
        if not scope.allows_domain(model.scope_domain):
            return self.none()
        qs = self.filter(**{f"{model.scope_subdistrict_field}__in": scope.subdistrict_ids})
        if scope.organization_ids is not None:
            org_field = model.scope_organization_field
            if not org_field:
                return self.none()
            return qs.filter(**{f"{org_field}__in": scope.organization_ids})
        if scope.neighborhood_ids is None:
            return qs
        hood_field = model.scope_neighborhood_field
        if hood_field is None:
            return qs if (model.scope_shared and not for_write) else self.none()
        condition = Q(**{f"{hood_field}__in": scope.neighborhood_ids})
        if model.scope_shared and not for_write:
            condition |= Q(**{f"{hood_field}__isnull": True})
        return qs.filter(condition)

    def visible_to(self, user: Any) -> ScopedQuerySet[M]:
        return self._scoped(user, for_write=False)

    def editable_by(self, user: Any) -> ScopedQuerySet[M]:
        return self._scoped(user, for_write=True)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
