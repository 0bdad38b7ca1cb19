from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasksConfig(AppConfig):
    name = "fangkong.masks"
    label = "masks"
    verbose_name = _("口罩预约")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from fangkong.core.choices import Role
        from fangkong.core.navigation import MenuItem, register_menu
        from fangkong.masks import caches
        from fangkong.masks.models import MaskRound

        register_menu(
            MenuItem(
                _("口罩预约"),
                "masks:rounds",
                roles=(Role.HQ, Role.STAFF, Role.CADRE, Role.OFFICE, Role.AUDITOR, Role.DISTRICT_VIEWER),
                order=30,
            ),
            MenuItem(
                _("口罩核销"), "masks:pickup", roles=(Role.HQ, Role.STAFF, Role.CADRE, Role.OFFICE), order=31
            ),
        )

        def _round_saved(sender: object, **kwargs: object) -> None:
            caches.forget("round")

        post_save.connect(_round_saved, sender=MaskRound, dispatch_uid="masks_round_cache")

        from fangkong.masks.dashboard import register_dashboard
        from fangkong.masks.jobs import register_jobs

        register_jobs()
        register_dashboard()

        from fangkong.core.todos import register_todos
        from fangkong.masks.todos import todos

        register_todos(todos, order=30)
