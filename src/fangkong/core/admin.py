from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from fangkong.core.models import ApiToken, AuditEvent, Notification, Policy, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "object_repr", "subdistrict")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("subdistrict", "key", "value", "effective_from", "note")
    list_filter = ("key", "subdistrict")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "subject", "recipient", "read_at")
    list_filter = ("kind",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("key_hash", "prefix")
