from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.inspections.models import (
    Application,
    Call,
    DuplicatePair,
    ExemptCategory,
    Firm,
    StatusChange,
    SupervisionCase,
    Visit,
    ZoneRule,
)


@admin.register(Firm)
class FirmAdmin(ReadOnlyAdmin):
    list_display = (
        "organization",
        "subdistrict",
        "status",
        "source",
        "industry_code",
        "road",
        "house_number",
    )
    list_filter = ("status", "source", "subdistrict")


@admin.register(ZoneRule)
class ZoneRuleAdmin(ReadOnlyAdmin):
    list_display = ("road", "from_number", "to_number", "parity", "zone", "subdistrict")


@admin.register(ExemptCategory)
class ExemptCategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "industry_prefixes", "subdistrict")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("firm", "planned_date", "channel", "status", "decided_at")
    list_filter = ("status", "channel")


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ("firm", "day", "caller", "outcome")
    list_filter = ("outcome",)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("firm", "from_status", "to_status", "at", "actor")


@admin.register(DuplicatePair)
class DuplicatePairAdmin(ReadOnlyAdmin):
    list_display = ("firm", "other", "reason", "state")


@admin.register(SupervisionCase)
class SupervisionCaseAdmin(ReadOnlyAdmin):
    list_display = ("firm", "deadline", "owner", "outcome")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("day", "firm", "premises", "team", "forms_handed", "notices_posted", "dissuaded", "state")
    exclude = ("client_token",)
