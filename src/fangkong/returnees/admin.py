from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.returnees.models import (
    Declaration,
    FollowUpTask,
    Isolation,
    Referral,
    RiskRule,
    Venue,
)


@admin.register(RiskRule)
class RiskRuleAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "subdistrict",
        "kind",
        "level",
        "action",
        "days",
        "priority",
        "effective_from",
        "effective_until",
    )
    list_filter = ("subdistrict", "kind", "level")


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ("name", "neighborhood", "origin_name", "arrival_date", "risk_level", "source")
    list_filter = ("risk_level", "source", "subdistrict")
    readonly_fields = ("id_number_masked", "phone_masked", "risk_rule_label", "merge_count")
    exclude = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")


@admin.register(Isolation)
class IsolationAdmin(ReadOnlyAdmin):
    list_display = ("declaration", "neighborhood", "mode", "start_date", "end_date", "status")
    list_filter = ("status", "mode", "subdistrict")
    readonly_fields = ("planned_end_date", "released_by", "released_at", "signoff_role")


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("person_name", "reason", "outcome", "created_at")
    list_filter = ("outcome",)


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ReadOnlyAdmin):
    list_display = ("isolation", "day", "slot", "assignee", "status")
    list_filter = ("status", "slot")


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "neighborhood", "visits_suspended_from")
    readonly_fields = ("code",)
