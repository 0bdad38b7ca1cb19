"""Pages of the tickets app: the board of open tickets with their clocks, a ticket worked from a phone
(transitions, consent, door-to-door checklist, photos), partner units (services and SLAs, kit, people, duty
now, roster setup), the weekly SLA performance, and the residents' public report page."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import ratelimit
from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.htmx import pick_template
from fangkong.core.links import public_url
from fangkong.core.privacy import personal_post
from fangkong.core.qr import qr_svg_inline
from fangkong.tickets import access, selectors, services
from fangkong.tickets.choices import Isolation, TicketState
from fangkong.tickets.forms import (
    FLAT_RESULTS,
    ConsentForm,
    KitForm,
    MemberForm,
    MoveForm,
    PhotoForm,
    PublicTicketForm,
    RosterForm,
    ServiceForm,
    TicketForm,
    UnitForm,
)
from fangkong.tickets.models import PartnerUnit, Ticket


def _ticket(user: Any, pk: int) -> Ticket:
    return get_object_or_404(selectors.tickets_for(user), pk=pk)


def _unit(user: Any, pk: int) -> PartnerUnit:
    return get_object_or_404(selectors.units_for(user), pk=pk)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = access.tickets_user(request.user)
    unit_id = request.GET.get("unit")
    rows = selectors.board(user, unit_id=int(unit_id) if unit_id and unit_id.isdigit() else None)
    context = {
        "rows": rows,
        "units": selectors.units_for(user),
        "unit_id": unit_id,
        "now": timezone.now(),
        **access.flags(user),
    }
    return render(request, pick_template(request, "tickets/board.html", "tickets/_rows.html"), context)


@login_required
@personal_post
def new(request: HttpRequest) -> HttpResponse:
    user = access.tickets_user(request.user)
    if not access.may_open_ticket(user):
        raise Http404
    form = TicketForm(request.POST or None, buildings=selectors.buildings_for_opening(user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ticket = services.open_ticket_now(
                actor=user,
                building=d["building"],
                room=d["room"],
                kind=d["kind"],
                urgency=d["urgency"],
                description=d["description"],
                phone=d["phone"],
                building_wide=d["building_wide"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记并派单：%(no)s") % {"no": ticket.number})
            return redirect("tickets:detail", pk=ticket.pk)
    return render(request, "tickets/new.html", {"form": form})


def _detail_context(user: Any, ticket: Ticket) -> dict[str, Any]:
    moves = access.allowed_moves(user, ticket)
    member = access.member_of(user)
    return {
        "ticket": ticket,
        "referred_away": member is not None
        and ticket.first_unit_id == member.unit_id
        and ticket.unit_id != member.unit_id,
        "clocks": selectors.clocks(ticket),
        "events": list(ticket.events.all()),
        "photos": list(ticket.photos.all()),
        "checks": list(ticket.flat_checks.all()),
        "moves": [(s, TicketState(s).label) for s in moves if s != TicketState.REFERRED],
        "may_refer": TicketState.REFERRED in moves,
        "referral_units": selectors.referral_units(ticket) if TicketState.REFERRED in moves else [],
        "may_confirm": access.may_confirm(user, ticket),
        "may_consent": access.may_record_consent(user, ticket),
        "may_check": access.may_check_flats(user, ticket),
        "may_photo": access.may_add_photo(user, ticket),
        "isolated": ticket.isolation != Isolation.NONE,
        "flat_results": FLAT_RESULTS,
        "photo_form": PhotoForm(),
        "consent_form": ConsentForm(),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    ticket = _ticket(user, pk)
    return render(request, "tickets/detail.html", _detail_context(user, ticket))


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    ticket = _ticket(user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid() or not access.may_move(user, ticket, form.cleaned_data["to_state"]):
        raise Http404
    d = form.cleaned_data
    unit = None
    if d["to_state"] == TicketState.REFERRED:
        unit = next((u for u in selectors.referral_units(ticket) if u.pk == d.get("unit")), None)
    try:
        services.move_ticket(actor=user, ticket=ticket, to_state=d["to_state"], note=d["note"], unit=unit)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    ticket = _ticket(user, pk)
    if not access.may_confirm(user, ticket):
        raise Http404
    try:
        services.confirm_ticket(actor=user, ticket=ticket, note=request.POST.get("note", "")[:200])
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    ticket = _ticket(user, pk)
    if not access.may_record_consent(user, ticket):
        raise Http404
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_consent_now(
                actor=user, ticket=ticket, who=form.cleaned_data["who"], note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("请填写同意人。"))
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def flats(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    ticket = _ticket(user, pk)
    if not access.may_check_flats(user, ticket):
        raise Http404
    results: dict[int, tuple[str, str]] = {}
    for check in ticket.flat_checks.all():
        result = request.POST.get(f"result_{check.pk}", "")
        if result:
            results[check.pk] = (result, request.POST.get(f"note_{check.pk}", "")[:200])
    try:
        n = services.check_flats(actor=user, ticket=ticket, results=results)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已登记 %(n)d 户。") % {"n": n})
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    ticket = _ticket(user, pk)
    if not access.may_add_photo(user, ticket):
        raise Http404
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        services.add_photo(
            actor=user, ticket=ticket, image=form.cleaned_data["image"], caption=form.cleaned_data["caption"]
        )
        messages.success(request, _("照片已上传。"))
    else:
        messages.error(request, _("请选择一张图片。"))
    return redirect("tickets:detail", pk=ticket.pk)


# -------------------------------------------------------------------------------------------- units


@login_required
def units(request: HttpRequest) -> HttpResponse:
    user = access.tickets_user(request.user)
    form = None
    if access.may_manage_units(user):
        from fangkong.registry.choices import OrganizationKind
        from fangkong.registry.models import Organization

        partners = Organization.objects.visible_to(user).filter(
            kind=OrganizationKind.PARTNER_UNIT, partner_unit__isnull=True
        )
        form = UnitForm(request.POST or None, organizations=partners)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                unit = services.register_unit(
                    actor=user,
                    organization=d["organization"],
                    service_kind=d["service_kind"],
                    hotline=d["hotline"],
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect("tickets:unit", pk=unit.pk)
    elif request.method == "POST":
        raise Http404
    rows = [(u, selectors.on_duty_now(u)) for u in selectors.units_for(user)]
    return render(request, "tickets/units.html", {"rows": rows, "form": form, **access.flags(user)})


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.tickets_user(request.user)
    obj = _unit(user, pk)
    manage = access.may_manage_units(user)
    kit = list(obj.kit.all())
    context = {
        "unit": obj,
        "on_duty": selectors.on_duty_now(obj),
        "services": list(obj.services.all()),
        "kit": kit,
        "short": [k for k in kit if k.shortfall],
        "members": list(obj.members.select_related("user", "duty_person")),
        "rosters": selectors.unit_rosters(obj),
        "may_manage": manage,
        "may_edit_kit": access.may_edit_kit(user, obj),
        "kit_form": KitForm(),
        "service_form": ServiceForm(),
        "member_form": MemberForm(users=selectors.member_candidates(obj)) if manage else None,
        "roster_form": RosterForm(initial={"start_date": timezone.localdate()}),
    }
    return render(request, "tickets/unit.html", context)


def _unit_post(request: HttpRequest, pk: int, may: Any) -> tuple[Any, PartnerUnit]:
    user = access.tickets_user(request.user)
    obj = _unit(user, pk)
    if not may(user, obj):
        raise Http404
    return user, obj


@login_required
@require_POST
def kit(request: HttpRequest, pk: int) -> HttpResponse:
    user, obj = _unit_post(request, pk, access.may_edit_kit)
    form = KitForm(request.POST)
    if form.is_valid():
        try:
            services.set_kit_item(actor=user, unit=obj, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("请填写物资名称、类别和数量。"))
    return redirect("tickets:unit", pk=obj.pk)


def _manage(user: Any, obj: PartnerUnit) -> bool:
    return access.may_manage_units(user)


@login_required
@require_POST
def service(request: HttpRequest, pk: int) -> HttpResponse:
    user, obj = _unit_post(request, pk, _manage)
    form = ServiceForm(request.POST)
    if form.is_valid():
        try:
            services.set_service(actor=user, unit=obj, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("请填写完整的服务时限。"))
    return redirect("tickets:unit", pk=obj.pk)


@login_required
@require_POST
def member(request: HttpRequest, pk: int) -> HttpResponse:
    user, obj = _unit_post(request, pk, _manage)
    form = MemberForm(request.POST, users=selectors.member_candidates(obj))
    if form.is_valid():
        try:
            services.add_member(
                actor=user, unit=obj, user=form.cleaned_data["user"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("请选择本单位的账号。"))
    return redirect("tickets:unit", pk=obj.pk)


@login_required
@require_POST
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    user, obj = _unit_post(request, pk, _manage)
    form = RosterForm(request.POST)
    if form.is_valid():
        try:
            made = services.set_up_duty_roster_now(
                actor=user,
                unit=obj,
                start_date=form.cleaned_data["start_date"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            return redirect("pairing:roster", pk=made.pk)
    else:
        messages.error(request, _("请填写开始日期和天数。"))
    return redirect("tickets:unit", pk=obj.pk)


@login_required
def performance(request: HttpRequest) -> HttpResponse:
    user = access.tickets_user(request.user)
    all_units = list(selectors.units_for(user))
    wanted = request.GET.get("unit", "")
    chosen = next((u for u in all_units if str(u.pk) == wanted), all_units[0] if all_units else None)
    weeks = selectors.weekly_performance(user, chosen) if chosen else []
    return render(
        request,
        "tickets/performance.html",
        {"units": all_units, "unit": chosen, "weeks": weeks, "clocks": ["respond", "arrive", "resolve"]},
    )


@login_required
def poster(request: HttpRequest) -> HttpResponse:
    """A printable A4 poster (always in Chinese) for one neighborhood: the QR code of the residents' report
    page opening on that neighborhood, and the units' hotlines."""
    user = access.tickets_user(request.user)
    hoods = selectors.poster_neighborhoods(user)
    wanted = request.GET.get("hood", "")
    hood = next((h for h in hoods if str(h.pk) == wanted), hoods[0] if hoods else None)
    if hood is None:
        raise Http404
    url = public_url(
        reverse("tickets:public_report", args=[hood.subdistrict_id]) + "?" + urlencode({"n": hood.pk})
    )
    context = {
        "hood": hood,
        "hoods": hoods,
        "url": url,
        "qr": qr_svg_inline(url, scale=1),
        "units": [u for u in selectors.units_for(user) if u.active],
    }
    return render(request, "tickets/poster.html", context)


@login_required
def my_duty(request: HttpRequest) -> HttpResponse:
    """A partner unit's person: their upcoming shifts on the unit's published 24-hour roster, and a swap
    request through pairing's swap flow (pairing.forms.SwapForm, pairing.services.request_swap); the roster's
    manager approves it on the roster page, and the duty now follows the traded assignments."""
    from fangkong.pairing import services as pairing_services
    from fangkong.pairing.forms import SwapForm

    user = access.tickets_user(request.user)
    if not access.may_request_own_swap(user):
        raise Http404
    member = access.member_of(user)
    person = member.duty_person
    rosters = selectors.published_unit_rosters(member.unit)
    wanted = request.POST.get("roster") or request.GET.get("roster") or ""
    roster = next((r for r in rosters if str(r.pk) == wanted), rosters[0] if rosters else None)
    form = SwapForm(request.POST or None, roster=roster, mine=person, manager=False) if roster else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                pairing_services.request_swap(
                    actor=user, first=d["first"], second=d["second"], note=d["note"]
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            except PermissionDenied:
                raise Http404
            else:
                messages.success(request, _("已提交换班申请，待指挥部审批。"))
                return redirect(reverse("tickets:my_duty") + "?" + urlencode({"roster": roster.pk}))
    context = {
        "member": member,
        "person": person,
        "rosters": rosters,
        "roster": roster,
        "form": form if form is not None and form.usable else None,
        "shifts": selectors.my_shifts(person, roster),
        "swaps": selectors.my_swaps(person, roster),
        **access.flags(user),
    }
    return render(request, "tickets/my_duty.html", context)


# ------------------------------------------------------------------------------------- public page


@ratelimit.limit("tickets.report", methods=("POST",), key=ratelimit.field("phone"))
@personal_post
def public_report(request: HttpRequest, subdistrict_id: int) -> HttpResponse:
    """A resident reports a gas, water, power or lift fault from a phone. The committee confirms it before it
    is routed; the page says nothing about anyone else (no isolation, no unit on duty, no other ticket)."""
    from fangkong.registry.models import Building, Neighborhood, SubDistrict

    sub = get_object_or_404(SubDistrict, pk=subdistrict_id)
    hood_id = request.POST.get("n") or request.GET.get("n") or ""
    hoods = list(Neighborhood.objects.filter(subdistrict=sub).order_by("code"))
    hood = next((h for h in hoods if str(h.pk) == hood_id), None)
    if hood is None:
        return render(request, "tickets/public_pick.html", {"sub": sub, "hoods": hoods})
    buildings = (
        Building.objects.filter(neighborhood=hood)
        .select_related("compound")
        .order_by("compound__name", "name")
    )
    form = PublicTicketForm(request.POST or None, buildings=buildings, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.open_ticket_now(
                actor=None,
                building=d["building"],
                room=d["room"],
                kind=d["kind"],
                description=d["description"],
                phone=d["phone"],
                public_key=f"{sub.pk}:{d['key']}",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return render(request, "tickets/public_done.html", {"sub": sub})
    return render(request, "tickets/public_report.html", {"form": form, "sub": sub, "hood": hood})
