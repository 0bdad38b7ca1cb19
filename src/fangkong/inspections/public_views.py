"""The public page a firm's contact opens from the link (or QR code) the office gave them: the resumption
checklist on a phone. No login; the firm is found by its secret token alone, and the page names that firm
only. A submit files a new application for the office to approve or return (never a change to what staff
recorded); a repeat of the same submit answers the first one. Rate-limited per address and per link."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core import ratelimit
from fangkong.core.errors import add_form_errors
from fangkong.core.exceptions import ScopeError
from fangkong.inspections import machine, services
from fangkong.inspections.choices import ApplicationChannel, FirmStatus
from fangkong.inspections.forms import ApplicationForm
from fangkong.inspections.models import Application


@ratelimit.limit("inspections.apply", methods=("POST",), key=lambda request, token: token)
def public_apply(request: HttpRequest, token: str) -> HttpResponse:
    firm = services.firm_for_link(token)
    if firm is None:
        raise Http404
    name = firm.organization.name
    open_to_apply = machine.allowed(firm.status, FirmStatus.APPLIED)
    form = ApplicationForm(request.POST or None) if (open_to_apply or request.method == "POST") else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            application, created = services.apply_for_resumption(
                actor=None,
                firm=firm,
                planned_date=data["planned_date"],
                checklist={item: data.get(item, False) for item in Application.CHECKLIST},
                note=data.get("note") or "",
                channel=ApplicationChannel.PUBLIC,
                client_token=data.get("client_token") or "",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            return render(
                request,
                "inspections/public_apply_done.html",
                {"name": name, "application": application, "repeat": not created},
            )
    return render(
        request,
        "inspections/public_apply.html",
        {"name": name, "form": form, "status": FirmStatus(firm.status).label, "open": open_to_apply},
    )
