"""The optimiser: its settings, proposals and their review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fangkong.core import longtasks
from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.pairing import services
from fangkong.pairing.choices import ProposalAction, ProposalStatus
from fangkong.pairing.forms import (
    PairingSettingsForm,
)
from fangkong.pairing.models import (
    PairingProposal,
)
from fangkong.pairing.views.common import _hq_only, _subdistrict

# ------------------------------------------------------------------ optimiser


@login_required
def optimiser(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _hq_only(user)
    sub = _subdistrict(request)
    if request.method == "POST":
        try:
            limit = min(max(float(request.POST.get("time_limit", 10)), 1.0), 60.0)
        except ValueError:
            limit = 10.0
        # the solve runs in the job runner; the user follows it on the task page and gets an inbox message
        task = longtasks.open_for(user, kind="pairing.propose", key="subdistrict_id", value=sub.pk)
        if task is None:
            task = longtasks.start(
                user=user,
                kind="pairing.propose",
                title=_("结对优化：%(sub)s") % {"sub": sub.name},
                params={"subdistrict_id": sub.pk, "time_limit": limit},
            )
        return redirect("io:task", pk=task.pk)
    settings_obj = services.settings_for(sub.pk)
    proposals = PairingProposal.objects.visible_to(user)[:20]
    return render(request, "pairing/optimiser.html", {"proposals": proposals, "settings": settings_obj})


@login_required
def optimiser_settings(request: HttpRequest) -> HttpResponse:
    """The HQ edits the optimiser rules; saved through services.save_settings (audited)."""
    user: Any = request.user
    _hq_only(user)
    sub = _subdistrict(request)
    current = services.settings_for(sub.pk)
    form = PairingSettingsForm(request.POST or None, initial=PairingSettingsForm.initial_for(current))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_settings(
                    actor=user,
                    subdistrict=sub,
                    expected_version=form.cleaned_data.get("version"),
                    **form.values(),
                )
                messages.success(request, _("结对规则已保存。"))
                return redirect("pairing:optimiser")
            except (PermissionDenied, ScopeError):
                raise Http404
            except ValidationError as exc:
                flash_errors(request, exc)
        else:
            messages.error(request, _("规则未保存，请按提示修改。"))
    return render(request, "pairing/optimiser_settings.html", {"form": form, "settings": current})


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _hq_only(user)
    proposal = get_object_or_404(PairingProposal.objects.visible_to(user), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reject":
                services.reject_proposal(actor=user, proposal=proposal)
                messages.success(request, _("已驳回方案。"))
            else:
                ids = None
                if request.POST.get("action") == "accept_selected":
                    ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
                done = services.accept_proposal(actor=user, proposal=proposal, item_ids=ids)
                messages.success(
                    request, _("已采纳：新增 %(added)d，撤销 %(removed)d，保留 %(kept)d。") % done
                )
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("pairing:proposal", pk=proposal.pk)
    items = list(proposal.items.select_related("cadre__department", "point"))
    changed = [i for i in items if i.action != ProposalAction.KEEP]
    return render(
        request,
        "pairing/proposal.html",
        {
            "proposal": proposal,
            "items": items,
            "changed": changed,
            "kept": [i for i in items if i.action == ProposalAction.KEEP],
            "changes": len(changed),
            "open": proposal.status in (ProposalStatus.OPEN, ProposalStatus.PARTLY),
        },
    )
