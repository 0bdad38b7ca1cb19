from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingConfig(AppConfig):
    name = "fangkong.pairing"
    label = "pairing"
    verbose_name = _("三结三定")

    def ready(self) -> None:
        from fangkong.core.navigation import MenuItem, register_menu
        from fangkong.core.scope import register_neighborhood_provider
        from fangkong.pairing.services import cadre_neighborhood_ids

        register_neighborhood_provider(cadre_neighborhood_ids)
        everyone = ("hq", "office", "staff", "cadre", "auditor", "district_viewer")
        register_menu(
            MenuItem(_("三结三定"), "pairing:board", roles=everyone, order=20),
            MenuItem(_("分楼包干"), "pairing:buildings", roles=("hq", "office", "staff", "cadre"), order=21),
            MenuItem(_("打卡"), "pairing:rounds", roles=everyone, order=22),
            MenuItem(_("值班表"), "pairing:rosters", roles=("hq", "office", "staff", "cadre"), order=23),
        )

        from fangkong.pairing.dashboard import register_dashboard
        from fangkong.pairing.jobs import register_jobs

        register_jobs()
        register_dashboard()

        from fangkong.core.todos import register_todos
        from fangkong.pairing.todos import todos

        register_todos(todos, order=20)

        from fangkong.pairing.home import register_home_panels

        register_home_panels()
