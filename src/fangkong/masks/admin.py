from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.masks import models as m


@admin.register(m.MaskRound)
class MaskRoundAdmin(ReadOnlyAdmin):
    list_display = ("name", "subdistrict", "mode", "status", "opens_at", "closes_at")
    list_filter = ("mode", "status")


@admin.register(m.Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ("number", "round", "neighborhood", "room", "status", "channel", "created_at")
    list_filter = ("status", "channel")
    search_fields = ("number",)
    readonly_fields = ("id_number_masked", "phone_masked")
    exclude = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")


@admin.register(m.Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ("number", "round", "neighborhood", "site", "status", "expires_at", "collected_at")
    list_filter = ("status",)
    search_fields = ("number",)


admin.site.register(m.PickupSite, ReadOnlyAdmin)
admin.site.register(m.StockBatch, ReadOnlyAdmin)
admin.site.register(m.StockBalance, ReadOnlyAdmin)
admin.site.register(m.LedgerEntry, ReadOnlyAdmin)
