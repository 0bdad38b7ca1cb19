from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """Holds the cross-app commands (demo, seed-demo); no models."""

    name = "fangkong.project"
    label = "project"
    verbose_name = "fangkong"
