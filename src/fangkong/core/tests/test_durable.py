"""Services that are the outermost transaction say so (``atomic(durable=True)``): called inside another
transaction they fail loudly instead of silently joining it, so "one transaction" in a docstring holds."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction

from fangkong.core import services
from fangkong.core.tests.matrix import rolled_back

ROOT = Path(__file__).resolve().parents[2]

# Services only pages, the API and the worker's callers start; none is called inside another transaction.
OUTERMOST = {
    "core": {"create_account", "set_account_active", "set_policy", "unlock_account", "update_account"},
    "masks": {
        "add_pickup_site",
        "book_at_desk",
        "close_round",
        "collect_voucher",
        "draw_lottery",
        "finish_round",
        "open_mask_round",
        "record_stock_batch",
        "return_stock",
        "review_booking",
    },
    "pairing": {
        "add_roster_assignment",
        "assign_building",
        "check_in",
        "enrol_duty_person",
        "publish_roster",
    },
    "inspections": {
        "add_case_action",
        "add_firm",
        "add_patrol_member",
        "issue_application_link",
        "record_patrol_round",
        "set_up_patrol_team",
        "solve_patrol_shifts",
        "apply_for_resumption",
        "close_case",
        "decide_application",
        "decide_duplicate",
        "escalate_firm",
        "record_call",
        "remap_zones",
        "save_exempt_category",
        "save_visit_step",
        "save_zone_rule",
        "set_status",
        "start_visit",
        "submit_visit",
    },
    "registry": {"delete_record", "resolve_duplicate"},
    "returnees": {"decide_amendment", "extend_isolation", "release_isolation", "save_risk_rule"},
    "care": {
        "enrol_care",
        "record_delivery",
        "update_care",
        # donations.py
        "distribute",
        "move_masks_to_stock",
        "record_donation",
        # materials.py
        "record_materials",
        # volunteers.py
        "check_in",
        "check_out",
        "plan_duty",
        "reject_signup",
        "sign_up",
        "verify_signup",
        # briefings.py (and check_in, the public check-in)
        "answer_question",
        "create_briefing",
        "record_question",
        "record_times",
        # liangxin.py
        "mark_organization",
        "record_deed",
    },
    "tickets": {
        "add_photo",
        "check_flats",
        "confirm_ticket",
        "move_ticket",
        "open_ticket_now",
        "record_consent_now",
    },
}


# Write modules of an app besides ``services.py``: the care app keeps each ledger's writes in its own module.
MORE_SERVICE_MODULES = {
    "care": ("briefings.py", "donations.py", "liangxin.py", "materials.py", "volunteers.py")
}


def durable_services(app: str) -> set[str]:
    """Functions of ``<app>/services.py`` (or of the ``<app>/services/`` package, and of the app's other write
    modules) decorated ``@transaction.atomic(durable=True)``."""
    package = ROOT / app / "services"
    paths = sorted(package.glob("*.py")) if package.is_dir() else [ROOT / app / "services.py"]
    paths += [ROOT / app / name for name in MORE_SERVICE_MODULES.get(app, ())]
    nodes = [node for path in paths for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))]
    names = set()
    for node in nodes:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and ast.unparse(dec.func).endswith("atomic"):
                    if any(k.arg == "durable" and ast.unparse(k.value) == "True" for k in dec.keywords):
                        names.add(node.name)
    return names


@pytest.mark.parametrize("app", sorted(OUTERMOST))
def test_outermost_services_are_durable(app):
    assert OUTERMOST[app] <= durable_services(app)


@pytest.mark.django_db
def test_a_durable_service_refuses_to_run_inside_another_transaction(world):
    args = {"actor": world.hq, "subdistrict_id": world.sub.pk, "key": "isolation_days", "value": 14}
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.set_policy(**args, effective_from=dt.date(2020, 3, 1))
    # in the test's own transaction (pytest-django's, like a request's autocommit) it runs
    assert services.set_policy(**args, effective_from=dt.date(2020, 3, 2)).value == 14
    with rolled_back():  # the persona matrix's per-request savepoint is marked like the test's own
        services.set_policy(**args, effective_from=dt.date(2020, 3, 3))
