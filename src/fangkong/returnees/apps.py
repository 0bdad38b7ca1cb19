from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturneesConfig(AppConfig):
    name = "fangkong.returnees"
    label = "returnees"
    verbose_name = _("返沪与隔离")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from fangkong.core.models import Policy
        from fangkong.core.navigation import MenuItem, register_menu
        from fangkong.returnees.models import Venue
        from fangkong.returnees.services import clear_checkin_cache

        for model in (Venue, Policy):
            post_save.connect(
                clear_checkin_cache, sender=model, dispatch_uid=f"returnees-checkin-{model.__name__}"
            )
            post_delete.connect(
                clear_checkin_cache, sender=model, dispatch_uid=f"returnees-checkin-del-{model.__name__}"
            )

        staff = ("hq", "staff", "cadre", "office", "district_viewer", "auditor")
        register_menu(
            MenuItem(_("随访看板"), "returnees:board", roles=staff, order=40),
            MenuItem(_("返沪申报"), "returnees:declaration_list", roles=staff, order=41),
            MenuItem(_("隔离名单"), "returnees:isolation_list", roles=staff, order=42),
            MenuItem(_("场所登记"), "returnees:venue_list", roles=(*staff, "org_contact"), order=43),
            MenuItem(_("风险规则"), "returnees:rule_list", roles=("hq", "office"), order=44),
        )

        from fangkong.returnees.dashboard import register_dashboard
        from fangkong.returnees.jobs import register_jobs

        register_jobs()
        register_dashboard()

        from fangkong.core.todos import register_todos
        from fangkong.returnees.todos import todos

        register_todos(todos, order=40)
