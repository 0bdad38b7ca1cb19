from django.contrib import admin

from fangkong.care.models import CareRecord, Delivery
from fangkong.core.admin import ReadOnlyAdmin


@admin.register(CareRecord)
class CareRecordAdmin(ReadOnlyAdmin):
    list_display = ("resident", "neighborhood", "reason", "weekday", "status")
    list_filter = ("status", "reason")
    raw_id_fields = ("resident", "volunteer", "supplier")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("record", "day", "outcome", "welfare", "contactless")
    list_filter = ("outcome", "welfare")
    raw_id_fields = ("record",)
