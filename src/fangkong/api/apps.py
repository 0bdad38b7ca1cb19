from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "fangkong.api"
    label = "api"
