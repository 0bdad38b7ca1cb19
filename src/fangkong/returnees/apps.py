from django.apps import AppConfig


class ReturneesConfig(AppConfig):
    name = "fangkong.returnees"
    label = "returnees"
