from typing import Any

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns: list[Any] = [
    path("api/", include("fangkong.api.urls")),  # first: the public API endpoints resolve in one step
    path("", include("fangkong.core.urls")),
    path("io/", include("fangkong.core.io_urls")),
    path("registry/", include("fangkong.registry.urls")),
    path("pairing/", include("fangkong.pairing.urls")),
    path("masks/", include("fangkong.masks.urls")),
    path("returnees/", include("fangkong.returnees.urls")),
    path("care/", include("fangkong.care.urls")),
    path("tickets/", include("fangkong.tickets.urls")),
    path("inspections/", include("fangkong.inspections.urls")),
    path("command/", include("fangkong.command.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
