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
    """Raise ScopeError unless ``actor`` may write ``obj`` (a new or existing scoped instance): the rule of
    ``Scope.write_refusal`` for the instance's sub-district and neighborhood (or organisation)."""
    scope = scope_for(actor)
    if scope.everything:
        return
    model = type(obj)
    domain = getattr(model, "scope_domain", "")
    sub_field = getattr(model, "scope_subdistrict_field", "subdistrict_id")
    sub_id = obj.pk if sub_field in ("pk", "id") else getattr(obj, sub_field.replace("__", "_"), None)
    if scope.organization_ids is not None:
        reason = scope.write_refusal(domain, sub_id, None)
        if reason != "organization":
            raise ScopeError(reason or "organization")
        org_field = getattr(model, "scope_organization_field", None)
        if not org_field or getattr(obj, org_field, None) not in scope.organization_ids:
            raise ScopeError("organization")
        return
    hood_field = getattr(model, "scope_neighborhood_field", None)
    hood_id = None
    if hood_field is not None:
        hood_id = obj.pk if hood_field in ("pk", "id") else getattr(obj, hood_field, None)
    reason = scope.write_refusal(domain, sub_id, hood_id)
    if reason:
        raise ScopeError(reason)


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
    """Decrypt one personal field for ``actor``; needs the reveal permission. Every attempt is audited, a
    refused one too."""
    from fangkong.core import crypto

    if not (getattr(actor, "is_superuser", False) or getattr(actor, "may_reveal_personal_data", False)):
        audit.record(
            actor=actor,
            action=AuditAction.REVEAL,
            obj=obj,
            changes={"field": field, "denied": True},
            note="查看明文被拒绝：无查看明文权限",
        )
        raise PermissionError("reveal")
    token = getattr(obj, f"{field}_enc")
    value = crypto.decrypt(token) if token else ""
    audit.record(actor=actor, action=AuditAction.REVEAL, obj=obj, changes={"field": field})
    return value


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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


# ---------------------------------------------------------------------------------------------- accounts
# HQ runs its sub-district's accounts from the account pages; every change is audited. The roles HQ may give
# are the sub-district's own: a district viewer belongs to the district and is made by a superuser.

ACCOUNT_ROLES = ("hq", "staff", "cadre", "office", "org_contact", "auditor")


def may_manage_accounts(actor: Any) -> bool:
    """HQ (not read-only) of a sub-district, or a superuser with a sub-district, runs its accounts."""
    from fangkong.core.choices import Role

    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    if not actor.subdistrict_id:
        return False
    return bool(actor.is_superuser) or (actor.role == Role.HQ and not scope_for(actor).read_only)


def may_manage_account(actor: Any, user: Any) -> bool:
    """``actor`` may change ``user``: an account of the actor's sub-district, not a superuser's."""
    return (
        may_manage_accounts(actor)
        and user.subdistrict_id == actor.subdistrict_id
        and (actor.is_superuser or not user.is_superuser)
    )


def _account_related(actor: Any, name: str) -> Any:
    """The neighborhoods / organisations of the actor's sub-district, through the user model's relations."""
    from fangkong.core.models import User

    model: Any = User._meta.get_field(name).related_model
    return model.objects.filter(subdistrict_id=actor.subdistrict_id)


def _clean_account(
    *,
    actor: Any,
    role: str,
    display_name: str,
    neighborhoods: Any,
    domains: Any,
    organization: Any,
) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    from fangkong.core.choices import Domain, Role

    errors: dict[str, Any] = {}
    if role not in ACCOUNT_ROLES:
        errors["role"] = _("请选择角色。")
    hood_ids = sorted({getattr(h, "pk", h) for h in (neighborhoods or [])})
    known = set(_account_related(actor, "neighborhoods").filter(pk__in=hood_ids).values_list("pk", flat=True))
    if len(known) != len(hood_ids):
        errors["neighborhoods"] = _("居民区须属于本街道。")
    domain_values = sorted(set(domains or []))
    if any(d not in Domain.values for d in domain_values):
        errors["domains"] = _("请选择有效的负责领域。")
    org_id = getattr(organization, "pk", organization)
    if org_id is not None and not _account_related(actor, "organization").filter(pk=org_id).exists():
        errors["organization"] = _("单位须属于本街道。")
    if role == Role.STAFF and not hood_ids:
        errors["neighborhoods"] = _("居委工作人员至少需要一个居民区。")
    if role == Role.OFFICE and not domain_values:
        errors["domains"] = _("职能科室至少需要一个负责领域。")
    if role == Role.ORG_CONTACT and org_id is None:
        errors["organization"] = _("单位联系人需要所属单位。")
    display = (display_name or "").strip()
    if len(display) > 50:
        errors["display_name"] = _("姓名最多 50 个字。")
    if errors:
        raise ValidationError(errors)
    return {
        "role": role,
        "display_name": display,
        "neighborhood_ids": hood_ids,
        "domains": domain_values if role == Role.OFFICE else [],
        "organization_id": org_id if role == Role.ORG_CONTACT else None,
    }


def _account_state(user: Any) -> dict[str, Any]:
    return {
        "role": user.role,
        "display_name": user.display_name,
        "neighborhoods": sorted(user.neighborhoods.values_list("pk", flat=True)) if user.pk else [],
        "domains": list(user.domains or []),
        "organization_id": user.organization_id,
        "may_reveal_personal_data": user.may_reveal_personal_data,
        "is_active": user.is_active,
    }


@transaction.atomic(durable=True)
def create_account(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    neighborhoods: Any = (),
    domains: Any = (),
    organization: Any = None,
    may_reveal_personal_data: bool = False,
) -> Any:
    """A new account of the actor's sub-district with its role, neighborhoods, domains and reveal right."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from fangkong.core.models import User

    if not may_manage_accounts(actor):
        raise ScopeError("accounts")
    username = (username or "").strip()
    errors: dict[str, Any] = {}
    try:
        User._meta.get_field("username").run_validators(username)
        if not username:
            raise ValidationError(_("请填写用户名。"))
    except ValidationError as exc:
        errors["username"] = exc.messages
    if username and User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("该用户名已被使用。")
    try:
        clean = _clean_account(
            actor=actor,
            role=role,
            display_name=display_name,
            neighborhoods=neighborhoods,
            domains=domains,
            organization=organization,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        clean = {}
    user = User(username=username, subdistrict_id=actor.subdistrict_id)
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    hood_ids = clean.pop("neighborhood_ids")
    for key, value in clean.items():
        setattr(user, key, value)
    user.may_reveal_personal_data = bool(may_reveal_personal_data)
    user.set_password(password)
    user.save()
    user.neighborhoods.set(hood_ids)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        changes={"username": username, **_account_state(user)},
        subdistrict_id=user.subdistrict_id,
    )
    return user


@transaction.atomic(durable=True)
def update_account(
    *,
    actor: Any,
    user: Any,
    role: str,
    display_name: str = "",
    neighborhoods: Any = (),
    domains: Any = (),
    organization: Any = None,
    may_reveal_personal_data: bool = False,
    password: str = "",
) -> Any:
    """Change an account's role, neighborhoods, domains, reveal right, and optionally set a new password.
    HQ cannot change its own role (so a sub-district is never left without HQ by mistake)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from fangkong.core.models import User

    user = User.objects.select_for_update().get(pk=user.pk)
    if not may_manage_account(actor, user):
        raise ScopeError("accounts")
    if user.pk == actor.pk and role != user.role:
        raise ValidationError({"role": _("不能修改自己的角色。")})
    clean = _clean_account(
        actor=actor,
        role=role,
        display_name=display_name,
        neighborhoods=neighborhoods,
        domains=domains,
        organization=organization,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages})
    before = _account_state(user)
    hood_ids = clean.pop("neighborhood_ids")
    for key, value in clean.items():
        setattr(user, key, value)
    user.may_reveal_personal_data = bool(may_reveal_personal_data)
    if password:
        user.set_password(password)
    user.save()
    user.neighborhoods.set(hood_ids)
    changes: dict[str, Any] = audit.diff(before, _account_state(user))
    if password:
        changes["password"] = "已重置"
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=user, changes=changes)
    return user


@transaction.atomic(durable=True)
def set_account_active(*, actor: Any, user: Any, active: bool) -> Any:
    """Deactivate an account (it can no longer sign in, its sessions and API tokens stop working) or
    reactivate it. Nobody deactivates their own account here."""
    from django.core.exceptions import ValidationError

    from fangkong.core.models import User

    user = User.objects.select_for_update().get(pk=user.pk)
    if not may_manage_account(actor, user):
        raise ScopeError("accounts")
    if user.pk == actor.pk and not active:
        raise ValidationError(_("不能停用自己的账号。"))
    if user.is_active == bool(active):
        return user
    User.objects.filter(pk=user.pk).update(is_active=bool(active))
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"is_active": [user.is_active, bool(active)]},
        note="启用账号" if active else "停用账号",
    )
    user.is_active = bool(active)
    return user
