from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "fangkong.pairing"
    label = "pairing"
