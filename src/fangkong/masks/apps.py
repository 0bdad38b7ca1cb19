from django.apps import AppConfig


class MasksConfig(AppConfig):
    name = "fangkong.masks"
    label = "masks"
