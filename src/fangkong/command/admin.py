from django.contrib import admin

from fangkong.command.models import DailyReport


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
    list_display = ("day", "subdistrict", "pages", "generated_at")
    list_filter = ("subdistrict",)
    exclude = ("pdf",)
    readonly_fields = ("subdistrict", "day", "content", "pages", "generated_at", "generated_by")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
