"""The home pages of the roles whose day is figures rather than work: a functional office sees its domains'
figures across the sub-district (the catalogue's, each linked to its drill-down list), an organisation
contact its own unit (venue log, resumption status), a district viewer the sub-districts of the district,
each a link to its dashboard. Panels of ``core.navigation``, registered in ``command/apps.py``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.command import board
from fangkong.core import catalogue
from fangkong.core.choices import Role
from fangkong.core.scope import domain_allowed

# The pages of an organisation contact's unit, when their apps are installed (the firm's staff declarations
# are added to the firm's page by the inspections app).
_CONTACT_LINKS = (
    ("registry:organizations_detail", _("单位信息"), True),
    ("returnees:venue_list", _("场所登记"), False),
)


def office_columns(user: Any) -> list[board.Column]:
    """The catalogue's figures of the office's domains (a capability is its app's domain)."""
    return [
        board.Column(fam, fig) for fam, fig in catalogue.all_figures() if domain_allowed(user, fam.capability)
    ]


def office_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if getattr(user, "role", None) != Role.OFFICE:
        return None
    columns = office_columns(user)
    day = timezone.localdate()
    b = board.compute(user, day)
    caps = {c.key: c.label for c in catalogue.capabilities()}
    groups: list[dict[str, Any]] = []
    for col in columns:
        label = caps.get(col.family.capability, col.family.capability)
        if not groups or groups[-1]["key"] != col.family.capability:
            groups.append({"key": col.family.capability, "label": label, "cells": []})
        groups[-1]["cells"].append(
            {
                "key": col.key,
                "label": col.figure.label,
                "measure": col.figure.measure,
                "value": b.value(col.key),
                "behind": b.behind(col),
                "link": b.link(col.key),
            }
        )
    return {"template": "command/_home_office.html", "day": day, "groups": groups}


def contact_panel(request: Any) -> dict[str, Any] | None:
    """An organisation contact's unit: its venue (today's log) and its firm's resumption status."""
    user = request.user
    if getattr(user, "role", None) != Role.ORG_CONTACT or not user.organization_id:
        return None
    from fangkong.inspections.models import Firm
    from fangkong.returnees.models import Venue

    today = timezone.localdate()
    venues = list(
        Venue.objects.visible_to(user)
        .annotate(
            visits_today=Count("visits", filter=Q(visits__at__date=today)),
            fevers_today=Count("visits", filter=Q(visits__at__date=today, visits__fever=True)),
        )
        .order_by("name", "pk")
    )
    firm = (
        Firm.objects.visible_to(user)
        .filter(organization_id=user.organization_id, merged_into__isnull=True)
        .order_by("pk")
        .first()
    )
    links = []
    for name, label, of_organization in _CONTACT_LINKS:
        try:
            url = reverse(name, args=[user.organization_id] if of_organization else [])
        except NoReverseMatch:  # an app that is not installed here
            continue
        links.append({"url": url, "label": label})
    from fangkong.inspections import access as inspections_access

    return {
        "template": "command/_home_contact.html",
        "may_see_staff": firm is not None and inspections_access.may_see_staff(user, firm),
        "organization": user.organization,
        "venues": venues,
        "firm": firm,
        "links": links,
        "today": today,
    }


def viewer_panel(request: Any) -> dict[str, Any] | None:
    """A district viewer's sub-districts, each a link to its dashboard."""
    user = request.user
    if getattr(user, "role", None) != Role.DISTRICT_VIEWER:
        return None
    from fangkong.registry.models import Neighborhood, SubDistrict

    subdistricts = list(SubDistrict.objects.visible_to(user).order_by("code", "name", "pk"))
    hoods = dict(
        Neighborhood.objects.visible_to(user)
        .values("subdistrict_id")
        .annotate(n=Count("pk"))
        .values_list("subdistrict_id", "n")
    )
    dashboard = reverse("command:dashboard")
    return {
        "template": "command/_home_viewer.html",
        "rollup": reverse("command:district"),
        "rows": [
            {"subdistrict": s, "neighborhoods": hoods.get(s.pk, 0), "url": f"{dashboard}?sub={s.pk}"}
            for s in subdistricts
        ],
    }


def register_home_panels() -> None:
    from fangkong.core.navigation import register_home_panel

    register_home_panel(office_panel, order=-6)
    register_home_panel(contact_panel, order=-6)
    register_home_panel(viewer_panel, order=-6)
