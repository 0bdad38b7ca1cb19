from django.urls import path

from fangkong.core.generic import urls_for
from fangkong.registry.views import OBJECT_TYPES, duplicates

app_name = "registry"
urlpatterns = [
    path("duplicates/", duplicates, name="duplicates"),
    *urls_for(OBJECT_TYPES),
]
