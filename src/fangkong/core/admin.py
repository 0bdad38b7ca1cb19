"""Django admin is for the superuser's set-up (the district, its sub-districts, the first HQ accounts) and for
looking at records. Domain records are read-only here: they change only through their services' pages, which
check scope and write the audit log. What admin may still change (accounts, the district and sub-districts,
API tokens) is audited by ``AuditedAdmin``."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.models import ApiToken, AuditEvent, Notification, Policy, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """A domain model in admin: list and view only; no add, change or delete (those bypass the services)."""

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """A set-up model that admin may change; each save and delete records an audit event."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in (form.changed_data or []) if "password" not in name]
        audit.record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            changes={"fields": changed},
            note="Django admin",
        )

    def delete_model(self, request: Any, obj: Any) -> None:
        audit.record(actor=request.user, action=AuditAction.DELETE, obj=obj, note="Django admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            audit.record(actor=request.user, action=AuditAction.DELETE, obj=obj, note="Django admin")
        super().delete_queryset(request, queryset)


# Roles are fangkong's own (User.role); Django's permission groups are not used.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):  # type: ignore[misc]
    list_display = ("username", "display_name", "role", "subdistrict", "is_active", "locked_until")
    list_filter = ("role", "subdistrict", "is_active")
    search_fields = ("username", "display_name")
    filter_horizontal = ("neighborhoods",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "fangkong",
            {
                "fields": (
                    "role",
                    "display_name",
                    "district",
                    "subdistrict",
                    "neighborhoods",
                    "organization",
                    "domains",
                    "may_reveal_personal_data",
                    "failed_logins",
                    "locked_until",
                )
            },
        ),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "object_repr", "subdistrict")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ("subdistrict", "key", "value", "effective_from", "note")
    list_filter = ("key", "subdistrict")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "subject", "recipient", "read_at")
    list_filter = ("kind",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("key_hash", "prefix")
