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
from fangkong.care import donations as donation_ledger
from fangkong.care import materials as material_counter
from fangkong.care.forms import (
    CareForm,
    DeliveryForm,
    DistributionForm,
    DonationForm,
    MasksToStockForm,
    MaterialForm,
)
from fangkong.care.models import CareRecord, Distribution, Donation, DonationItem, MaterialCount
from fangkong.care.rules import due_day, week_of
from fangkong.core import scope as scope_questions
from fangkong.core.choices import Domain
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


# ---------------------------------------------------------------- donations


@login_required
def donations(request: HttpRequest) -> HttpResponse:
    user = access.care_user(request.user)
    items = DonationItem.objects.visible_to(user).order_by("neighborhood__name", "name", "unit", "pk")
    ledger = donation_ledger.reconcile(items)
    rows = [
        (r, access.may_distribute(user, r["item"]), access.may_move_masks(user, r["item"])) for r in ledger
    ]
    recent = (
        Donation.objects.visible_to(user)
        .select_related("neighborhood")
        .prefetch_related("lines__item")
        .order_by("-received_on", "-pk")
    )
    page = Paginator(recent, 30).get_page(request.GET.get("page"))
    given = (
        Distribution.objects.visible_to(user)
        .select_related("item", "target_compound")
        .order_by("-day", "-pk")[:30]
    )
    return render(
        request,
        "care/donations.html",
        _context(
            request, rows=rows, page=page, given=given, unreconciled=[r for r in ledger if r["difference"]]
        ),
    )


def _donation(request: HttpRequest, pk: int) -> Donation:
    user = access.care_user(request.user)
    qs = Donation.objects.visible_to(user).select_related("neighborhood", "donor_resident", "received_by")
    return get_object_or_404(qs, pk=pk)


@login_required
def donation_new(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Neighborhood, Organization

    user = access.care_user(request.user)
    if not access.may_record_donation(user):
        raise Http404
    hoods = list(Neighborhood.objects.editable_by(user).order_by("code", "name"))
    sub_wide = bool(user.subdistrict_id) and scope_questions.manages_domain(user, Domain.CARE)
    orgs = Organization.objects.visible_to(user).order_by("name")[:500]
    form = DonationForm(
        request.POST or None,
        initial={"received_on": timezone.localdate(), "donor_kind": "resident"},
        neighborhoods=hoods,
        organizations=orgs,
        sub_wide=sub_wide,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_pk = {h.pk: h for h in hoods}
        org = {o.pk: o for o in orgs}.get(d["donor_organization"]) if d["donor_organization"] else None
        hood = by_pk.get(d["neighborhood"]) if d["neighborhood"] else None
        if hood is None and not sub_wide:
            hood = hoods[0] if hoods else None
        try:
            donation = donation_ledger.record_donation(
                actor=user,
                subdistrict_id=hood.subdistrict_id if hood is not None else user.subdistrict_id,
                neighborhood=hood,
                donor_kind=d["donor_kind"],
                donor_organization=org,
                donor_name=d["donor_name"],
                public_thanks=d["public_thanks"],
                purpose=d["purpose"],
                received_on=d["received_on"],
                note=d["note"],
                lines=form.lines(),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            messages.success(request, _("已登记捐赠 %(n)s。") % {"n": donation.number})
            return redirect("care:donation_detail", donation.pk)
    return render(request, "care/donation_form.html", _context(request, form=form))


@login_required
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    donation = _donation(request, pk)
    lines = list(donation.lines.select_related("item").order_by("pk"))
    given = list(donation.distributions.select_related("item").order_by("day", "pk"))
    items = [(ln, access.may_distribute(request.user, ln.item)) for ln in lines]
    return render(
        request, "care/donation_detail.html", _context(request, donation=donation, items=items, given=given)
    )


@login_required
def donation_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    donation = _donation(request, pk)
    lines = list(donation.lines.select_related("item").order_by("pk"))
    return render(request, "care/donation_receipt.html", {"donation": donation, "lines": lines})


def _item(request: HttpRequest, pk: int) -> DonationItem:
    user = access.care_user(request.user)
    return get_object_or_404(DonationItem.objects.visible_to(user).select_related("neighborhood"), pk=pk)


@login_required
def distribute(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.registry.models import Compound, Organization

    item = _item(request, pk)
    user = request.user
    if not access.may_distribute(user, item):
        raise Http404
    compounds = list(
        Compound.objects.visible_to(user)
        .filter(subdistrict_id=item.subdistrict_id)
        .select_related("neighborhood")
        .order_by("neighborhood__name", "name")[:500]
    )
    orgs = list(
        Organization.objects.visible_to(user)
        .filter(subdistrict_id=item.subdistrict_id)
        .order_by("name")[:500]
    )
    form = DistributionForm(
        request.POST or None, initial={"day": timezone.localdate()}, compounds=compounds, organizations=orgs
    )
    donation_pk = _int(request.GET["donation"]) if request.GET.get("donation") else None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        donation = None
        if donation_pk is not None:
            donation = Donation.objects.visible_to(user).filter(pk=donation_pk).first()
        try:
            donation_ledger.distribute(
                actor=user,
                item=item,
                quantity=d["quantity"],
                target_kind=d["target_kind"],
                target_name=d["target_name"],
                target_compound={c.pk: c for c in compounds}.get(d["target_compound"] or 0),
                target_organization={o.pk: o for o in orgs}.get(d["target_organization"] or 0),
                donation=donation,
                day=d["day"],
                note=d["note"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            messages.success(request, _("已登记发放。"))
            if donation is not None:
                return redirect("care:donation_detail", donation.pk)
            return redirect("care:donations")
    return render(request, "care/distribute.html", _context(request, item=item, form=form))


@login_required
def masks_to_stock(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.masks.choices import RoundStatus
    from fangkong.masks.models import MaskRound
    from fangkong.registry.models import Neighborhood

    item = _item(request, pk)
    user = request.user
    if not access.may_move_masks(user, item):
        raise Http404
    rounds = list(
        MaskRound.objects.visible_to(user)
        .filter(subdistrict_id=item.subdistrict_id)
        .exclude(status=RoundStatus.FINISHED)
        .order_by("-opens_at")[:20]
    )
    hoods = list(
        Neighborhood.objects.visible_to(user)
        .filter(subdistrict_id=item.subdistrict_id)
        .order_by("code", "name")
    )
    form = MasksToStockForm(
        request.POST or None,
        initial={"neighborhood": item.neighborhood_id, "quantity": item.balance},
        rounds=rounds,
        neighborhoods=hoods,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            donation_ledger.move_masks_to_stock(
                actor=user,
                item=item,
                quantity=d["quantity"],
                mask_round={r.pk: r for r in rounds}[d["mask_round"]],
                neighborhood={h.pk: h for h in hoods}[d["neighborhood"]],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            messages.success(request, _("已转入口罩库存。"))
            return redirect("care:donations")
    return render(request, "care/masks_to_stock.html", _context(request, item=item, form=form, rounds=rounds))


# ---------------------------------------------------------------- materials


@login_required
def materials(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Neighborhood, Organization, PartyBranch, Premises

    user = access.care_user(request.user)
    can = access.may_record_materials(user)
    hoods = list(Neighborhood.objects.editable_by(user).order_by("code", "name")) if can else []
    premises = list(Premises.objects.visible_to(user).order_by("name")[:300]) if can else []
    orgs = list(Organization.objects.visible_to(user).order_by("name")[:500]) if can else []
    branches = list(PartyBranch.objects.visible_to(user).order_by("name")[:300]) if can else []
    form = MaterialForm(
        request.POST or None,
        initial={"day": timezone.localdate(), "kind": request.GET.get("kind") or "guide"},
        neighborhoods=hoods,
        premises=premises,
        organizations=orgs,
        branches=branches,
    )
    if request.method == "POST":
        if not can:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data

            def pick(objs: list[Any], pk: int | None) -> Any:
                return {o.pk: o for o in objs}.get(pk) if pk else None

            hood = pick(hoods, d["neighborhood"])
            try:
                material_counter.record_materials(
                    actor=user,
                    subdistrict_id=hood.subdistrict_id if hood is not None else user.subdistrict_id,
                    kind=d["kind"],
                    neighborhood=hood,
                    premises=pick(premises, d["premises"]),
                    organization=pick(orgs, d["organization"]),
                    branch=pick(branches, d["branch"]),
                    day=d["day"],
                    handed_out=d["handed_out"],
                    returned=d["returned"],
                    posted=d["posted"],
                    by_name=d["by_name"],
                    note=d["note"],
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            except ScopeError:
                add_form_errors(form, ValidationError({"neighborhood": [_("请选择您负责的居民区。")]}))
            else:
                messages.success(request, _("已保存材料发放数。"))
                return redirect("care:materials")
    rows = MaterialCount.objects.visible_to(user)
    kind = request.GET.get("kind", "")
    if kind:
        rows = rows.filter(kind=kind)
    recent = rows.select_related("neighborhood", "premises", "organization", "branch").order_by(
        "-day", "-pk"
    )[:30]
    return render(
        request,
        "care/materials.html",
        _context(request, form=form, can=can, kind=kind, recent=recent, **material_counter.summary(rows)),
    )
