from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "fangkong.inspections"
    label = "inspections"
    verbose_name = _("楼宇园区排摸")

    def ready(self) -> None:
        from fangkong.core.navigation import MenuItem, register_home_panel, register_menu
        from fangkong.inspections.home import firms_panel

        staff = ("hq", "staff", "cadre", "office", "district_viewer", "auditor")
        register_menu(
            MenuItem(_("企业排摸"), "inspections:firm_list", roles=(*staff, "org_contact"), order=50),
            MenuItem(_("每日电话"), "inspections:call_list", roles=("hq", "office"), order=51),
            MenuItem(_("巡查记录"), "inspections:visit_list", roles=staff, order=52),
            MenuItem(_("专项督查组"), "inspections:case_list", roles=("hq", "office"), order=53),
            MenuItem(_("巡察队"), "inspections:patrol_list", roles=staff, order=55),
            MenuItem(_("排摸统计"), "inspections:counts", roles=staff, order=54),
        )
        register_home_panel(firms_panel, order=50)

        from fangkong.inspections.dashboard import register_dashboard
        from fangkong.inspections.jobs import register_jobs

        register_dashboard()

        register_jobs()

        from fangkong.core.todos import register_todos
        from fangkong.inspections.todos import todos as inspections_todos

        register_todos(inspections_todos, order=70)
