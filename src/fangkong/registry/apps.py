from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    label = "registry"
    verbose_name = _("台账")

    def ready(self) -> None:
        from fangkong.core.choices import Role
        from fangkong.core.navigation import MenuItem, register_menu

        register_menu(
            MenuItem(_("居民区"), "registry:neighborhoods_list", order=20),
            MenuItem(_("住户"), "registry:households_list", order=21),
            MenuItem(_("居民"), "registry:residents_list", order=22),
            MenuItem(_("单位"), "registry:organizations_list", order=23),
            MenuItem(_("楼宇园区"), "registry:premises_list", order=24),
            MenuItem(_("下沉干部"), "registry:cadres_list", order=25),
            MenuItem(_("志愿者"), "registry:volunteers_list", order=26),
            MenuItem(_("重复证件号码待核"), "registry:duplicates", roles=(Role.HQ,), order=27),
        )

        from fangkong.registry.jobs import register_jobs

        register_jobs()
