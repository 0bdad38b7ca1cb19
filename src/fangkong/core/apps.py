from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    label = "core"
    verbose_name = _("平台")

    def ready(self) -> None:
        from fangkong.core.choices import Role
        from fangkong.core.io_views import IO_MENU_ITEMS
        from fangkong.core.navigation import MenuItem, register_menu

        register_menu(
            MenuItem(_("首页"), "home", order=0),
            MenuItem(_("账号管理"), "accounts", roles=(Role.HQ,), order=88),
            MenuItem(_("政策设置"), "policies", roles=(Role.HQ,), order=89),
            MenuItem(
                _("审计日志"),
                "audit_log",
                roles=(Role.HQ, Role.STAFF, Role.AUDITOR, Role.DISTRICT_VIEWER),
                order=90,
            ),
            MenuItem(_("后台任务"), "jobs", roles=(Role.HQ, Role.AUDITOR), order=91),
            *IO_MENU_ITEMS,
        )

        from fangkong.core.navigation import register_home_panel
        from fangkong.core.todos import todos_panel

        register_home_panel(todos_panel, order=-5)

        from fangkong.core.core_jobs import register_jobs

        register_jobs()

        from fangkong.core import exports, io_tasks, longtasks

        longtasks.register("core.export", exports.export_runner)
        longtasks.register("core.import", io_tasks.import_runner)
