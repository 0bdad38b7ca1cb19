"""Pages of the care app: the care register, candidates proposed from the registry, a person's page and
details, the phone page that records a visit, and the list of who is missing this week's delivery."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from fangkong.care import access, selectors, services
from fangkong.care.forms import CareForm, DeliveryForm
from fangkong.care.models import CareRecord
from fangkong.care.rules import due_day, week_of
from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.htmx import pick_template


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


@login_required
def register(request: HttpRequest) -> HttpResponse:
    user = access.care_user(request.user)
    today = timezone.localdate()
    week = week_of(today)
    status = request.GET.get("status", "active")
    q = request.GET.get("q", "").strip()
    qs = selectors.register(user, week=week, status="" if status == "all" else status, q=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    isolated = selectors.isolated_residents(r.resident for r in page)
    template = pick_template(request, "care/register.html", "care/_rows.html")
    return render(
        request,
        template,
        _context(request, page=page, isolated=isolated, filters=request.GET, week=week, status=status, q=q),
    )


@login_required
def candidates(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Resident

    user = access.care_user(request.user)
    today = timezone.localdate()
    if request.method == "POST":
        if not access.may_enrol(user):
            raise Http404
        resident = get_object_or_404(
            Resident.objects.editable_by(user), pk=_int(request.POST.get("resident"))
        )
        try:
            record = services.enrol_care(actor=user, resident=resident, data=services.CareInput())
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect("care:candidates")
        except ScopeError:
            raise Http404
        messages.success(request, _("已纳入关爱名册，请补充需求和配送安排。"))
        return redirect("care:record_edit", record.pk)
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.candidates(user, today=today, q=q), 50).get_page(request.GET.get("page"))
    rows = [(r, selectors.age_on(r.birth_date, today)) for r in page]
    return render(
        request,
        "care/candidates.html",
        _context(request, page=page, rows=rows, q=q, min_age=selectors.min_age(), filters=request.GET),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404


def _record(request: HttpRequest, pk: int) -> CareRecord:
    user = access.care_user(request.user)
    qs = CareRecord.objects.visible_to(user).select_related(
        "resident", "resident__household", "neighborhood", "volunteer", "supplier"
    )
    return get_object_or_404(qs, pk=pk)


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    today = timezone.localdate()
    week = week_of(today)
    deliveries = selectors.recent_deliveries(request.user, record)
    isolated = bool(selectors.isolated_residents([record.resident]))
    return render(
        request,
        "care/record_detail.html",
        _context(
            request,
            record=record,
            deliveries=deliveries,
            isolated=isolated,
            age=selectors.age_on(record.resident.birth_date, today),
            due=due_day(week, record.weekday) if record.weekday is not None else None,
            can_edit=access.may_edit_record(request.user, record),
            can_deliver=access.may_record_delivery(request.user, record),
        ),
    )


@login_required
@sensitive_post_parameters("emergency_phone")
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.registry.models import Organization, Volunteer

    record = _record(request, pk)
    user = request.user
    if not access.may_edit_record(user, record):
        raise Http404
    volunteers = Volunteer.objects.visible_to(user).filter(active=True).order_by("name")[:500]
    suppliers = Organization.objects.visible_to(user).order_by("name")[:500]
    initial = {
        "reason": record.reason,
        "lives_alone": record.lives_alone,
        "mobility": record.mobility,
        "needs": record.needs,
        "weekday": record.weekday,
        "items": record.items,
        "volunteer": record.volunteer_id,
        "team": record.team,
        "supplier": record.supplier_id,
        "emergency_name": record.emergency_name,
        "note": record.note,
        "status": record.status,
        "expected_version": record.version,
    }
    form = CareForm(request.POST or None, initial=initial, volunteers=volunteers, suppliers=suppliers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_pk = {v.pk: v for v in volunteers}
        orgs = {o.pk: o for o in suppliers}
        data = services.CareInput(
            reason=d["reason"],
            lives_alone=d["lives_alone"],
            mobility=d["mobility"],
            needs=list(d["needs"]),
            emergency_name=d["emergency_name"],
            emergency_phone=d["emergency_phone"],
            volunteer=by_pk.get(d["volunteer"]) if d["volunteer"] else None,
            team=d["team"],
            supplier=orgs.get(d["supplier"]) if d["supplier"] else None,
            weekday=d["weekday"],
            items=d["items"],
            note=d["note"],
            status=d["status"],
        )
        try:
            services.update_care(actor=user, record=record, data=data, expected_version=d["expected_version"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            messages.success(request, _("已保存。"))
            return redirect("care:record_detail", record.pk)
    return render(request, "care/record_form.html", _context(request, record=record, form=form))


@login_required
def delivery_new(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    user = request.user
    if not access.may_record_delivery(user, record):
        raise Http404
    isolated = bool(selectors.isolated_residents([record.resident]))
    form = DeliveryForm(request.POST or None, initial={"submission_id": uuid.uuid4().hex})
    if not isolated:  # the phone confirmation belongs to contactless deliveries only
        del form.fields["phone_confirmed"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.record_delivery(
                actor=user,
                record=record,
                outcome=d["outcome"],
                welfare=d["welfare"],
                note=d["note"],
                phone_confirmed=bool(d.get("phone_confirmed")),
                submission_id=d["submission_id"] or "",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            if result.created:
                messages.success(
                    request,
                    _("已记录：%(name)s %(outcome)s")
                    % {"name": record.resident.name, "outcome": result.delivery.get_outcome_display()},
                )
            if request.GET.get("from") == "missed":
                return redirect("care:missed")
            return redirect("care:record_detail", record.pk)
    return render(
        request, "care/delivery_form.html", _context(request, record=record, form=form, isolated=isolated)
    )


@login_required
def missed(request: HttpRequest) -> HttpResponse:
    user = access.care_user(request.user)
    today = timezone.localdate()
    week = week_of(today)
    page = Paginator(selectors.missed(user, today=today), 100).get_page(request.GET.get("page"))
    rows = [(r, access.may_record_delivery(user, r)) for r in page]
    return render(
        request,
        "care/missed.html",
        _context(request, page=page, rows=rows, week=week, today=today, filters=request.GET),
    )
