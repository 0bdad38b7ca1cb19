from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "fangkong.care"
    label = "care"
    verbose_name = _("民生保障")

    def ready(self) -> None:
        from fangkong.care.home import register_home_panels
        from fangkong.care.jobs import register_jobs
        from fangkong.core.navigation import MenuItem, register_menu

        staff = ("hq", "staff", "cadre", "office", "district_viewer", "auditor")
        register_menu(
            MenuItem(_("关爱名册"), "care:register", roles=staff, order=50),
            MenuItem(_("本周漏送"), "care:missed", roles=staff, order=51),
            MenuItem(_("志愿者"), "care:volunteers", roles=staff, order=52),
            MenuItem(_("微党课"), "care:briefings", roles=staff, order=53),
            MenuItem(_("两新组织"), "care:liangxin", roles=staff, order=54),
        )
        register_jobs()
        register_home_panels()

        from fangkong.care.dashboard import register_dashboard

        register_dashboard()

        from fangkong.care.todos import todos as care_todos
        from fangkong.core.todos import register_todos

        register_todos(care_todos, order=50)
