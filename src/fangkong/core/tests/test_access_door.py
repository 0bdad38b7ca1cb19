"""Every read of a scoped model in a view, an API router or a template tag goes through the door.

The door is ``Model.objects.visible_to(user)`` / ``editable_by(user)``, or a selector or access function that
takes the user (``masks.selectors.round_figures(user, rnd)``). A read that starts ``Model.objects.filter(…)``
in a page, the API or a template tag is either listed below, with the reason it is safe, or the test fails:
a new page that copies such a read must say why (or use the door).
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from fangkong.core.querysets import ScopedQuerySet

ROOT = Path(__file__).resolve().parents[2]  # src/fangkong
DOORS = {"visible_to", "editable_by"}

PUBLIC = "public page: no login, the record is addressed by its number or a secret token"
CHILD = "rows of one parent record that the view read through the door just before"
OWN = "the user's own rows (as the paired cadre or the person on duty), offered beside what they see"

# (area, function, model) -> why the read needs no door. An area is an app ("masks") or an API router
# ("api.masks"). A listed read that no longer exists fails the test too, so the list stays exact.
ALLOWED: dict[tuple[str, str, str], str] = {
    # masks
    ("masks", "voucher", "Voucher"): PUBLIC,
    ("masks", "my_booking", "Voucher"): PUBLIC,
    ("masks", "public_book", "MaskRound"): PUBLIC,
    ("masks", "public_book", "Booking"): PUBLIC,
    ("masks", "public_lookup", "MaskRound"): PUBLIC,
    ("masks", "public_lookup", "Voucher"): PUBLIC,
    ("masks", "public_lottery", "Booking"): PUBLIC,
    ("masks", "desk", "Resident"): CHILD + " (the households found)",
    ("masks", "desk_book", "Resident"): CHILD + " (the household)",
    ("masks", "_desk_confirmation", "Voucher"): CHILD + " (the booking)",
    # returnees
    ("returnees", "public_report", "HealthReport"): PUBLIC,
    ("returnees", "venue_detail", "VenueVisit"): CHILD + " (the venue; its visit log is audited)",
    ("api.returnees", "venue_visits", "VenueVisit"): CHILD + " (the venue; its visit log is audited)",
    # pairing
    ("pairing", "ical", "DutyPerson"): PUBLIC,
    ("pairing", "board", "Pairing"): OWN,
    ("pairing", "point_detail", "Pairing"): OWN,
    ("pairing", "task_status", "PairingTask"): OWN,
    ("pairing", "rosters", "DutyPerson"): OWN,
    ("pairing", "roster_detail", "DutyPerson"): OWN,
    ("pairing", "duty_person", "DutyPerson"): OWN,
    ("pairing", "branch", "SupportCadre"): CHILD + " (the cadres of the branches read through the door)",
    ("pairing", "checkin", "BuildingAssignment"): CHILD + " (the building)",
    ("pairing", "building_poster", "BuildingTask"): CHILD + " (the building)",
    ("pairing", "rosters", "Neighborhood"): CHILD
    + " (the neighborhood of the templates read through the door)",
    ("api.pairing", "_check_in", "CheckInRound"): CHILD + " (the round the check-in service returned)",
    # tickets
    ("tickets", "public_report", "Neighborhood"): PUBLIC + " (names only, for the resident to pick)",
    ("tickets", "public_report", "Building"): PUBLIC + " (names only, for the resident to pick)",
    # care
    ("care", "public_volunteer", "Neighborhood"): PUBLIC + " (names only, for the volunteer to pick)",
    ("care", "public_volunteer", "Compound"): PUBLIC + " (names only, for the volunteer to pick)",
    ("api.care", "public_volunteer_signup", "Compound"): PUBLIC + " (the compound named by the sign-up)",
}


def scanned_files() -> list[Path]:
    """Pages, API routers and template tags (a views package, after a split, too)."""
    patterns = ["*/views.py", "*/views/*.py", "*/*_views.py", "api/routers/*.py", "*/templatetags/*.py"]
    return sorted({p for pattern in patterns for p in ROOT.glob(pattern)})


def scoped_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), ScopedQuerySet)
    }


def area_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    if rel.parts[:2] == ("api", "routers"):
        return f"api.{rel.stem}"
    return rel.parts[0]


def undoored_reads(source: str, area: str, scoped: set[str]) -> set[tuple[str, str, str]]:
    """(area, function, model) of each ``Model.objects.<anything but the door>`` in ``source``."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "objects"):
            continue
        value = node.value
        name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", None)
        if name not in scoped:
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in DOORS:
            continue
        func: ast.AST | None = parent
        while func is not None and not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = parents.get(func)
        found.add((area, getattr(func, "name", "<module>"), name))
    return found


def test_the_scan_finds_a_read_without_the_door():
    scoped = {"Booking", "Voucher"}
    source = (
        "def page(request):\n"
        "    a = Booking.objects.visible_to(request.user).filter(pk=1)\n"
        "    b = m.Voucher.objects.filter(pk=2)\n"
        "    c = User.objects.filter(pk=3)\n"
        "    return Booking.objects.editable_by(request.user)\n"
    )
    assert undoored_reads(source, "masks", scoped) == {("masks", "page", "Voucher")}


def test_the_scan_covers_the_pages_the_api_and_the_template_tags():
    areas = {area_of(p) for p in scanned_files()}
    assert {"masks", "returnees", "pairing", "registry", "core", "api.masks", "api.registry"} <= areas
    assert {"Booking", "Resident", "Isolation", "Pairing", "AuditEvent"} <= scoped_model_names()


def test_every_scoped_read_in_pages_api_and_tags_goes_through_the_door():
    scoped = scoped_model_names()
    found: set[tuple[str, str, str]] = set()
    for path in scanned_files():
        found |= undoored_reads(path.read_text(encoding="utf-8"), area_of(path), scoped)
    unexplained = sorted(found - set(ALLOWED))
    assert not unexplained, (
        "reads of scoped models without visible_to/editable_by (use the door, or list them in ALLOWED "
        f"with the reason): {unexplained}"
    )
    stale = sorted(set(ALLOWED) - found)
    assert not stale, f"ALLOWED lists reads that are gone: {stale}"


SCOPE_FIELDS = {
    "everything",
    "subdistrict_ids",
    "neighborhood_ids",
    "organization_ids",
    "domains",
    "read_only",
}


def scope_field_reads(source: str) -> list[int]:
    """Lines that read a Scope's fields (``scope.neighborhood_ids``, ``scope_for(u).everything``, …)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (node.attr in SCOPE_FIELDS or node.attr == "allows_domain"):
            value = node.value
            base = value.func if isinstance(value, ast.Call) else value
            name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
            if "scope" in name.lower():
                lines.append(node.lineno)
    return lines


def test_the_scope_scan_finds_a_hand_made_rule():
    source = "def f(user):\n    scope = scope_for(user)\n    return scope.everything or scope_for(user).neighborhood_ids\n"
    assert scope_field_reads(source) == [3, 3]
    assert scope_field_reads("def f(u):\n    return neighborhoods_of(u) is None\n") == []


def test_no_module_outside_core_reads_a_scopes_fields():
    """Scope rules are asked through core/scope.py's named questions and the apps' access modules."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "core" or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        found += [f"{rel}:{line}" for line in scope_field_reads(path.read_text(encoding="utf-8"))]
    assert not found, f"scope rules derived by hand outside core: {found}"
