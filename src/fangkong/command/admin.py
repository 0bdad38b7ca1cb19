from django.contrib import admin

from fangkong.command.models import DailyReport
from fangkong.core.admin import ReadOnlyAdmin


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ("day", "subdistrict", "pages", "generated_at")
    list_filter = ("subdistrict",)
    exclude = ("pdf",)
