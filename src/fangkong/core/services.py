"""Generic write services shared by the domain apps: create, update (optimistic lock) and delete, each in one
transaction with its audit event. Domain services call these; views call the domain services."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ConflictError, ScopeError
from fangkong.core.scope import scope_for

M = TypeVar("M", bound=models.Model)


def check_write_scope(actor: Any, obj: Any) -> None:
    """Raise ScopeError unless ``actor`` may write ``obj`` (a new or existing scoped instance)."""
    scope = scope_for(actor)
    if scope.everything:
        return
    if scope.read_only or not scope.subdistrict_ids:
        raise ScopeError("read-only")
    model = type(obj)
    if not scope.allows_domain(getattr(model, "scope_domain", "")):
        raise ScopeError("domain")
    sub_field = getattr(model, "scope_subdistrict_field", "subdistrict_id")
    sub_id = obj.pk if sub_field in ("pk", "id") else getattr(obj, sub_field.replace("__", "_"), None)
    if sub_id not in scope.subdistrict_ids:
        raise ScopeError("subdistrict")
    if scope.organization_ids is not None:
        org_field = getattr(model, "scope_organization_field", None)
        if not org_field or getattr(obj, org_field, None) not in scope.organization_ids:
            raise ScopeError("organization")
        return
    if scope.neighborhood_ids is None:
        return
    hood_field = getattr(model, "scope_neighborhood_field", None)
    if hood_field is None:
        raise ScopeError("neighborhood")
    hood_id = obj.pk if hood_field in ("pk", "id") else getattr(obj, hood_field, None)
    if hood_id not in scope.neighborhood_ids:
        raise ScopeError("neighborhood")


def may_create(actor: Any, model: type[models.Model]) -> bool:
    """Whether ``actor`` may create some record of ``model``: the question ``check_write_scope`` answers for
    a record they could fill in. A user limited to neighborhoods cannot create a record that has no
    neighborhood field to choose (a neighborhood itself, an office, a cadre); an organisation contact creates
    nothing whose organisation is the record itself. Pages offer "new" only when this says yes."""
    scope = scope_for(actor)
    if scope.everything:
        return True
    if scope.read_only or not scope.subdistrict_ids:
        return False
    if not scope.allows_domain(getattr(model, "scope_domain", "")):
        return False
    if scope.organization_ids is not None:
        org_field = getattr(model, "scope_organization_field", None)
        return bool(scope.organization_ids) and org_field not in (None, "pk", "id")
    if scope.neighborhood_ids is None:
        return True
    hood_field = getattr(model, "scope_neighborhood_field", None)
    return bool(scope.neighborhood_ids) and hood_field not in (None, "pk", "id")


def may_write(actor: Any, obj: Any) -> bool:
    """Whether ``actor`` may save ``obj`` as it stands (``check_write_scope`` without the exception)."""
    try:
        check_write_scope(actor, obj)
    except ScopeError:
        return False
    return True


@transaction.atomic
def create_object(*, actor: Any, obj: M, note: str = "") -> M:
    check_write_scope(actor, obj)
    obj.full_clean()
    obj.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=obj, changes=audit.snapshot(obj), note=note)
    return obj


@transaction.atomic
def update_object(*, actor: Any, obj: M, expected_version: int | None = None, note: str = "") -> M:
    """Save ``obj`` if nobody changed it since ``expected_version``; raise ConflictError otherwise."""
    model = type(obj)
    current = model._default_manager.select_for_update().get(pk=obj.pk)
    check_write_scope(actor, current)
    check_write_scope(actor, obj)
    version: int | None = getattr(obj, "version", None)
    if expected_version is None:
        expected_version = version
    if version is not None and current.version != expected_version:  # type: ignore[attr-defined]
        raise ConflictError(_("该记录已被他人修改，请刷新后重试。"), code="conflict")
    obj.full_clean()
    before = audit.snapshot(current)
    if version is not None and expected_version is not None:
        updated = model._default_manager.filter(pk=obj.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if updated != 1:
            raise ConflictError(_("该记录已被他人修改，请刷新后重试。"), code="conflict")
        obj.version = expected_version + 1  # type: ignore[attr-defined]
    obj.save()
    changes = audit.diff(before, audit.snapshot(obj))
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=obj, changes=changes, note=note)
    return obj


@transaction.atomic
def delete_object(*, actor: Any, obj: models.Model, note: str = "") -> None:
    check_write_scope(actor, obj)
    snap = audit.snapshot(obj)
    audit.record(actor=actor, action=AuditAction.DELETE, obj=obj, changes=snap, note=note)
    obj.delete()


def reveal_personal(*, actor: Any, obj: Any, field: str) -> str:
    """Decrypt one personal field for ``actor``; needs the reveal permission, and is audited."""
    from fangkong.core import crypto

    if not (getattr(actor, "is_superuser", False) or getattr(actor, "may_reveal_personal_data", False)):
        raise PermissionError("reveal")
    token = getattr(obj, f"{field}_enc")
    value = crypto.decrypt(token) if token else ""
    audit.record(actor=actor, action=AuditAction.REVEAL, obj=obj, changes={"field": field})
    return value


@transaction.atomic
def set_policy(
    *, actor: Any, subdistrict_id: int, key: str, value: Any, effective_from: Any, note: str = ""
) -> Any:
    """Set a policy value for a sub-district from a date on (HQ only); audited."""
    from fangkong.core.choices import Role
    from fangkong.core.models import Policy
    from fangkong.core.policies import DEFAULTS

    if key not in DEFAULTS:
        raise ValueError(key)
    scope = scope_for(actor)
    allowed = scope.everything or (
        getattr(actor, "role", None) == Role.HQ
        and subdistrict_id in scope.subdistrict_ids
        and not scope.read_only
    )
    if not allowed:
        raise ScopeError("policy")
    policy, created = Policy.objects.update_or_create(
        subdistrict_id=subdistrict_id,
        key=key,
        effective_from=effective_from,
        defaults={"value": value, "note": note},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=policy,
        changes={"key": key, "value": value, "effective_from": str(effective_from)},
        subdistrict_id=subdistrict_id,
    )
    return policy


def may_unlock_account(actor: Any, user: Any) -> bool:
    """HQ may lift the sign-in locks of accounts in its sub-district (a superuser: any account)."""
    from fangkong.core.choices import Role

    scope = scope_for(actor)
    if scope.everything:
        return True
    return (
        getattr(actor, "role", None) == Role.HQ
        and not scope.read_only
        and user.subdistrict_id is not None
        and user.subdistrict_id in scope.subdistrict_ids
    )


@transaction.atomic
def unlock_account(*, actor: Any, user: Any) -> int:
    """Lift every sign-in lock of ``user`` (from every address) and forget its failures; audited.
    Returns the number of (username, address) records cleared."""
    from fangkong.core.models import LoginFailure

    if not may_unlock_account(actor, user):
        raise ScopeError("unlock")
    cleared, _rows = LoginFailure.objects.filter(username=user.username).delete()
    type(user)._default_manager.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    user.failed_logins, user.locked_until = 0, None
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=user,
        changes={"cleared": cleared},
        note="解除登录锁定",
        subdistrict_id=user.subdistrict_id,
    )
    return cleared
