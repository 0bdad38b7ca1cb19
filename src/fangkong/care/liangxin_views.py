"""Pages of the 两新 organisations: the list with the figures (organisations, party members, members
rallied, what they did), marking an organisation, and an organisation's page with its deeds."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import access
from fangkong.care import liangxin as service
from fangkong.care.forms import DeedForm, LiangxinForm
from fangkong.care.models import LiangxinDeed, LiangxinOrganization
from fangkong.core.errors import add_form_errors


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


@login_required
def liangxin(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Organization, PartyBranch

    user = access.care_user(request.user)
    can = access.may_mark_liangxin(user)
    orgs = (
        list(Organization.objects.editable_by(user).exclude(liangxin__isnull=False).order_by("name")[:500])
        if can
        else []
    )
    branches = list(PartyBranch.objects.visible_to(user).order_by("name")[:500]) if can else []
    form = LiangxinForm(request.POST or None, organizations=orgs, branches=branches)
    if request.method == "POST":
        if not can:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                service.mark_organization(
                    actor=user,
                    organization=next(o for o in orgs if o.pk == d["organization"]),
                    kind=d["kind"],
                    party_members=d["party_members"],
                    branch=next((b for b in branches if b.pk == d["branch"]), None),
                    note=d["note"],
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            except PermissionDenied:
                add_form_errors(form, ValidationError({"organization": [_("超出您的管理范围。")]}))
            else:
                messages.success(request, _("已登记为两新组织。"))
                return redirect("care:liangxin")
    marked = LiangxinOrganization.objects.visible_to(user)
    rows = service.with_rallied(marked.select_related("organization", "branch", "neighborhood")).order_by(
        "organization__name", "pk"
    )[:300]
    figures = service.figures(marked, LiangxinDeed.objects.visible_to(user))
    return render(
        request, "care/liangxin.html", _context(request, rows=rows, figures=figures, form=form, can=can)
    )


@login_required
def liangxin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.care_user(request.user)
    org = get_object_or_404(
        LiangxinOrganization.objects.visible_to(user).select_related("organization", "branch"), pk=pk
    )
    can = access.may_edit_liangxin(user, org)
    form = DeedForm(request.POST or None, initial={"day": timezone.localdate(), "members": 1})
    if request.method == "POST":
        if not can:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                service.record_deed(
                    actor=user,
                    org=org,
                    kind=d["kind"],
                    members=d["members"],
                    quantity=d["quantity"] or 0,
                    day=d["day"],
                    note=d["note"],
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            except PermissionDenied:
                raise Http404
            else:
                messages.success(request, _("已记录。"))
                return redirect("care:liangxin_detail", pk=org.pk)
    deeds = org.deeds.order_by("-day", "-pk")[:200]
    return render(
        request, "care/liangxin_detail.html", _context(request, org=org, deeds=deeds, form=form, can=can)
    )
