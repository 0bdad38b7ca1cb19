"""Building assignment (分楼包干)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.htmx import pick_template
from fangkong.pairing import access, services
from fangkong.pairing.forms import (
    CompoundAssignForm,
)
from fangkong.pairing.views.common import _managers_only, _workers_only
from fangkong.registry.models import Building, Neighborhood

# ------------------------------------------------------------------ building assignment


@login_required
def buildings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    form = CompoundAssignForm(request.POST or None, user=user) if access.is_manager(user) else None
    if request.method == "POST":
        _managers_only(user)
        assert form is not None
        if form.is_valid():
            try:
                n = services.assign_compound(actor=user, **form.cleaned_data)
                messages.success(request, _("已分配 %(n)d 栋楼。") % {"n": n})
                return redirect(request.get_full_path())
            except (PermissionDenied, ScopeError):
                raise Http404
            except ValidationError as exc:
                flash_errors(request, exc)
    qs = Building.objects.visible_to(user).select_related(
        "compound", "neighborhood", "assignment__cadre", "assignment__staff", "assignment__team"
    )
    hood = request.GET.get("neighborhood", "")
    if hood.isdigit():
        qs = qs.filter(neighborhood_id=int(hood))
    missing = request.GET.get("missing") == "1"
    if missing:
        qs = qs.filter(assignment__isnull=True)
    qs = qs.order_by("neighborhood__code", "compound__name", "name")
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    stats = Building.objects.visible_to(user).aggregate(
        total=Count("id"), unassigned=Count("id", filter=Q(assignment__isnull=True))
    )
    return render(
        request,
        pick_template(request, "pairing/buildings.html", "pairing/_building_rows.html"),
        {
            "page": page,
            "form": form,
            "stats": stats,
            "missing": missing,
            "hood": hood,
            "neighborhoods": Neighborhood.objects.visible_to(user).order_by("code"),
        },
    )
