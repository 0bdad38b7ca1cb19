from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.pairing import models


@admin.register(models.Point)
class PointAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "neighborhood", "households", "required_count", "active")
    list_filter = ("kind", "active", "subdistrict")
    search_fields = ("name",)


@admin.register(models.Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ("cadre", "point", "responsibility", "source", "active", "started_on")
    list_filter = ("active", "source", "subdistrict")
    raw_id_fields = ("cadre", "point")


class TeamMemberInline(admin.TabularInline):
    model = models.TeamMember
    raw_id_fields = ("cadre", "staff", "volunteer")
    extra = 0


@admin.register(models.Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "neighborhood", "point")
    inlines = [TeamMemberInline]


@admin.register(models.BuildingAssignment)
class BuildingAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("building", "neighborhood", "cadre", "staff", "team")
    raw_id_fields = ("building", "cadre", "staff", "team")


@admin.register(models.CheckInRound)
class CheckInRoundAdmin(ReadOnlyAdmin):
    list_display = ("building", "template", "date", "slot", "status", "done_at")
    list_filter = ("status", "template", "date")
    raw_id_fields = ("building", "building_task", "done_by")


@admin.register(models.Roster)
class RosterAdmin(ReadOnlyAdmin):
    list_display = ("name", "start_date", "end_date", "status", "solver_status")


for model in (
    models.PairingSettings,
    models.ResponsibilityType,
    models.PairingTask,
    models.PairingProposal,
    models.TaskTemplate,
    models.BuildingTask,
    models.DutyPerson,
    models.ShiftTemplate,
    models.ShiftSwap,
):
    admin.site.register(model, ReadOnlyAdmin)
