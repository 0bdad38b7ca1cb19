from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    label = "registry"
    verbose_name = _("台账")

    def ready(self) -> None:
        from fangkong.core.choices import Role
        from fangkong.core.navigation import MenuItem, register_menu

        register_menu(
            MenuItem(pgettext_lazy("plural", "居民区"), "registry:neighborhoods_list", order=20),
            MenuItem(pgettext_lazy("plural", "住户"), "registry:households_list", order=21),
            MenuItem(pgettext_lazy("plural", "居民"), "registry:residents_list", order=22),
            MenuItem(pgettext_lazy("plural", "单位"), "registry:organizations_list", order=23),
            MenuItem(pgettext_lazy("plural", "楼宇园区"), "registry:premises_list", order=24),
            MenuItem(pgettext_lazy("plural", "下沉干部"), "registry:cadres_list", order=25),
            MenuItem(pgettext_lazy("plural", "志愿者"), "registry:volunteers_list", order=26),
            MenuItem(_("重复证件号码待核"), "registry:duplicates", roles=(Role.HQ,), order=27),
        )

        from fangkong.registry.home import register_home_panels

        register_home_panels()

        from fangkong.registry.dashboard import register_dashboard
        from fangkong.registry.jobs import register_jobs

        register_jobs()
        register_dashboard()
