from django.urls import path

from fangkong.api.api import api

urlpatterns = [path("v1/", api.urls)]
