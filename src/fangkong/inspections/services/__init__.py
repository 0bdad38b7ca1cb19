"""The inspections services: every write, verb-first, keyword-only, with ``actor=`` and an audit event. The
package's modules are its sections (firms and the boundary, resumption control, calls); callers use
``from fangkong.inspections import services``."""

from fangkong.inspections.services.calls import call_assignee, office_callers, record_call
from fangkong.inspections.services.cases import (
    add_case_action,
    alert_overdue_cases,
    close_case,
    escalate_firm,
)
from fangkong.inspections.services.firms import (
    add_firm,
    create_firm,
    decide_duplicate,
    find_exempt,
    remap_zones,
    save_exempt_category,
    save_zone_rule,
    zone_index,
)
from fangkong.inspections.services.links import firm_for_link, issue_application_link
from fangkong.inspections.services.patrols import (
    add_patrol_member,
    record_patrol_round,
    set_up_patrol_team,
    solve_patrol_shifts,
)
from fangkong.inspections.services.resumption import (
    apply_for_resumption,
    change_status,
    decide_application,
    earliest_resumption,
    set_status,
)
from fangkong.inspections.services.visits import open_visit, save_visit_step, start_visit, submit_visit

__all__ = [
    "add_patrol_member",
    "record_patrol_round",
    "set_up_patrol_team",
    "solve_patrol_shifts",
    "add_case_action",
    "add_firm",
    "create_firm",
    "open_visit",
    "alert_overdue_cases",
    "close_case",
    "escalate_firm",
    "save_visit_step",
    "start_visit",
    "submit_visit",
    "apply_for_resumption",
    "call_assignee",
    "change_status",
    "decide_application",
    "decide_duplicate",
    "earliest_resumption",
    "find_exempt",
    "firm_for_link",
    "issue_application_link",
    "office_callers",
    "record_call",
    "remap_zones",
    "save_exempt_category",
    "save_zone_rule",
    "set_status",
    "zone_index",
]
