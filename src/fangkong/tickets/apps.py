from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "fangkong.tickets"
    label = "tickets"
    verbose_name = _("应急联动")

    def ready(self) -> None:
        from fangkong.core.navigation import MenuItem, register_home_panel, register_menu

        everyone = ("hq", "staff", "cadre", "office", "org_contact", "district_viewer", "auditor")
        register_menu(
            MenuItem(_("报修看板"), "tickets:board", roles=everyone, order=50),
            MenuItem(_("联动单位"), "tickets:units", roles=everyone, order=51),
            MenuItem(_("时限统计"), "tickets:performance", roles=everyone, order=52),
        )
        from fangkong.tickets.home import panel
        from fangkong.tickets.jobs import register_jobs

        register_home_panel(panel, order=50)

        from fangkong.pairing.access import OWN_PERSON_CONDITIONS
        from fangkong.tickets.access import own_duty_person

        if own_duty_person not in OWN_PERSON_CONDITIONS:
            OWN_PERSON_CONDITIONS.append(own_duty_person)
        register_jobs()

        from fangkong.tickets.dashboard import register_dashboard

        register_dashboard()

        from fangkong.core.todos import register_todos
        from fangkong.tickets.todos import todos as tickets_todos

        register_todos(tickets_todos, order=60)
