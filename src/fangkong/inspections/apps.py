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
            MenuItem(_("疑似重复"), "inspections:duplicate_list", roles=("hq", "office"), order=52),
        )
        register_home_panel(firms_panel, order=50)
