"""Who may see the command app's pages: named predicates that the views, the menu and the home panel ask."""

from __future__ import annotations

from typing import Any

from fangkong.core.choices import Role

DASHBOARD_ROLES = {Role.HQ, Role.OFFICE, Role.STAFF, Role.AUDITOR, Role.DISTRICT_VIEWER}


def _role(user: Any) -> Any:
    return getattr(user, "role", None)


def dashboard_user(user: Any) -> bool:
    """The dashboard and its drill-down lists: HQ, offices (their domains' figures), committee staff (their
    neighborhoods), auditors and district viewers; the figures are always those of the reader's scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or _role(user) in DASHBOARD_ROLES)


def dashboard_is_home(user: Any) -> bool:
    """HQ's first screen is the dashboard."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or _role(user) == Role.HQ))


def flags(user: Any) -> dict[str, bool]:
    return {
        "may_see_dashboard": dashboard_user(user),
        "may_read_reports": report_reader(user),
        "may_generate_report": may_generate_report(user),
        "may_edit_bulletin": may_generate_report(user),
        "may_see_district": district_reader(user),
    }


def report_reader(user: Any) -> bool:
    """The daily reports: HQ, auditors and district viewers (each sees their own sub-districts' reports)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or _role(user) in {Role.HQ, Role.AUDITOR, Role.DISTRICT_VIEWER})


def may_generate_report(user: Any, subdistrict_id: int | None = None) -> bool:
    """HQ (re)generates its sub-district's report for a past day."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(
        getattr(user, "is_authenticated", False)
        and _role(user) == Role.HQ
        and (subdistrict_id is None or user.subdistrict_id == subdistrict_id)
    )


def bulletin_reader(user: Any) -> bool:
    """Bulletins (drafts and published): those who read the daily reports."""
    return report_reader(user)


def may_edit_bulletin(user: Any, subdistrict_id: int | None = None) -> bool:
    """HQ drafts, edits and publishes its sub-district's bulletins; a published one is never edited."""
    return may_generate_report(user, subdistrict_id)


def may_edit(user: Any, bulletin: Any) -> bool:
    return bool(bulletin.is_draft and may_edit_bulletin(user, bulletin.subdistrict_id))


def district_reader(user: Any) -> bool:
    """The district roll-up and the district daily report: district viewers (their district's
    sub-districts, read-only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or _role(user) == Role.DISTRICT_VIEWER)
