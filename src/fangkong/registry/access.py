"""Who may do what in the registry: named predicates asked by the views, the generic pages (their "new"
and "edit" buttons and the pages behind them), the API and the templates, so a control is offered exactly
when the action behind it is allowed.

Each predicate follows the write scope that the services enforce (``core.services.check_write_scope``):
HQ writes its whole sub-district; a functional office the domains it was given; committee staff and cadres
the records of their neighborhoods (they cannot create a neighborhood, an office or a support cadre, which
have no neighborhood of theirs to choose); district viewers and auditors read only.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from fangkong.core.services import may_create, may_write
from fangkong.registry import models as m


def may_add(user: Any, model: type[models.Model]) -> bool:
    """May ``user`` create a record of ``model`` (the list page's "＋ 新增…" button and the add page)?"""
    return may_create(user, model)


def may_edit(user: Any, obj: Any) -> bool:
    """May ``user`` change ``obj`` (the detail page's "编辑" button and the edit page)? Staff may edit their own
    neighborhood's record (its address and phone) though they may not create one."""
    manager: Any = type(obj)._default_manager
    return bool(manager.editable_by(user).filter(pk=obj.pk).exists())


def may_add_neighborhood(user: Any) -> bool:
    return may_add(user, m.Neighborhood)


def may_add_household(user: Any, building: m.Building | None = None) -> bool:
    if building is None:
        return may_add(user, m.Household)
    return may_add(user, m.Household) and may_write(user, building)


def may_add_resident(user: Any, household: m.Household | None = None) -> bool:
    """May ``user`` add a resident (to ``household`` when given: the household page's "＋ 添加居民")?"""
    if household is None:
        return may_add(user, m.Resident)
    return may_add(user, m.Resident) and may_write(user, household)


def may_resolve_duplicates(user: Any) -> bool:
    """HQ (and superusers) see and resolve residents flagged for an ID number registered elsewhere."""
    from fangkong.core.choices import Role

    return bool(
        user.is_authenticated and (user.is_superuser or (user.role == Role.HQ and user.subdistrict_id))
    )
