from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "fangkong.command"
    label = "command"
    verbose_name = _("指挥部")

    def ready(self) -> None:
        from fangkong.command.board import snapshot_provider
        from fangkong.command.home import dashboard_panel
        from fangkong.core.choices import Role
        from fangkong.core.figures import register_figures
        from fangkong.core.navigation import MenuItem, register_home_panel, register_menu

        register_menu(
            MenuItem(
                _("指挥部看板"),
                "command:dashboard",
                roles=(Role.HQ, Role.OFFICE, Role.STAFF, Role.AUDITOR, Role.DISTRICT_VIEWER),
                order=5,
            )
        )
        register_menu(
            MenuItem(_("全区汇总"), "command:district", roles=(Role.DISTRICT_VIEWER,), order=4),
            MenuItem(
                _("日报"), "command:reports", roles=(Role.HQ, Role.AUDITOR, Role.DISTRICT_VIEWER), order=6
            ),
            MenuItem(
                _("简报"), "command:bulletin", roles=(Role.HQ, Role.AUDITOR, Role.DISTRICT_VIEWER), order=7
            ),
        )
        register_home_panel(dashboard_panel, order=-10)

        from fangkong.command.access import dashboard_user
        from fangkong.command.board import drill_url
        from fangkong.core.todos import register_figure_link

        register_figure_link(drill_url, may_open=dashboard_user)

        from fangkong.command.homes import register_home_panels

        register_home_panels()

        from fangkong.command.jobs import register_jobs

        register_jobs()
        # Every catalogue figure goes into the daily snapshot, so each has its trend.
        register_figures(snapshot_provider)
