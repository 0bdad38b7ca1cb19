"""Mask reservation pages: staff pages (rounds, desk booking, bookings, ledger, pickup) and public mobile
pages (booking, lookup, voucher, lottery publication)."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from fangkong.core import crypto, ratelimit
from fangkong.core.errors import add_form_errors, error_text
from fangkong.core.exceptions import ScopeError
from fangkong.core.htmx import is_htmx
from fangkong.core.links import public_url
from fangkong.core.privacy import personal_post
from fangkong.core.qr import qr_svg_inline
from fangkong.core.validators import check_resident_id
from fangkong.masks import access, caches, selectors, services
from fangkong.masks.choices import AllocationMode, BookingStatus, RoundPhase, RoundStatus
from fangkong.masks.forms import (
    BatchForm,
    DeskPersonForm,
    LookupForm,
    PickupForm,
    PublicBookingForm,
    RoundForm,
    SiteForm,
)
from fangkong.masks.models import Booking, MaskRound, PickupSite, StockBatch, Voucher
from fangkong.masks.numbers import normalize_room
from fangkong.masks.selectors import mask_figures, totals


def _reader(view: Any) -> Any:
    """Signed-in users whose scope reaches the masks domain; everyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_read(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _worker(view: Any) -> Any:
    @_reader
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_work(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _manager(view: Any) -> Any:
    @_reader
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_manage(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _round(request: HttpRequest, pk: int) -> MaskRound:
    return get_object_or_404(MaskRound.objects.visible_to(request.user), pk=pk)


# ------------------------------------------------------------------------------------------------- staff


@_reader
def rounds(request: HttpRequest) -> HttpResponse:
    qs = MaskRound.objects.visible_to(request.user).order_by("-opens_at", "-id")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "masks/rounds.html", {"page": page, **access.flags(request.user)})


@_manager
def round_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    subdistrict = user.subdistrict
    if subdistrict is None:
        raise Http404
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    form = RoundForm(
        request.POST or None,
        initial={
            "opens_at": now,
            "closes_at": now + dt.timedelta(days=1),
            "pickup_ends_at": now + dt.timedelta(days=4),
            "mode": AllocationMode.ORDER,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rnd = services.open_mask_round(
                actor=user,
                subdistrict=subdistrict,
                name=data["name"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                pickup_ends_at=data["pickup_ends_at"],
                mode=data["mode"],
                masks_per_household=data["masks_per_household"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("已开启预约轮次「%(n)s」。") % {"n": rnd.name})
            return redirect("masks:round_detail", pk=rnd.pk)
    return render(request, "masks/round_form.html", {"form": form})


def _round_context(request: HttpRequest, rnd: MaskRound) -> dict[str, Any]:
    user = request.user
    figures = selectors.round_figures(user, rnd)
    hoods = [(r["neighborhood_id"], r["neighborhood"]) for r in mask_figures(rnd.subdistrict_id, rnd.pk)]
    sites = list(
        PickupSite.objects.visible_to(user)
        .filter(round=rnd)
        .select_related("neighborhood")
        .prefetch_related("slots")
    )
    manage = access.can_manage(user)
    return {
        "round": rnd,
        "figures": figures,
        "totals": totals(figures),
        "sites": sites,
        "batches": StockBatch.objects.visible_to(user)
        .filter(round=rnd)
        .select_related("neighborhood", "site")[:50],
        **access.flags(user),
        "batch_form": BatchForm(hoods=hoods, sites=sites) if manage else None,
        "site_form": SiteForm(hoods=hoods) if manage else None,
        "public_url": public_url("masks:public_book", rnd.pk),
    }


@_worker
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable A4 poster (always in Chinese) for one neighborhood: its name, the QR code of the public
    booking page (opening on that neighborhood) and one line of instructions."""
    rnd = _round(request, pk)
    choices = selectors.round_neighborhoods(request.user, rnd)
    wanted = request.GET.get("hood", "")
    hood = next((h for h in choices if str(h.pk) == wanted), choices[0] if choices else None)
    if hood is None:
        raise Http404
    url = public_url(reverse("masks:public_book", args=[rnd.pk]) + "?" + urlencode({"n": hood.pk}))
    context = {"round": rnd, "hood": hood, "hoods": choices, "url": url, "qr": qr_svg_inline(url, scale=1)}
    return render(request, "masks/poster.html", context)


@_reader
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    return render(request, "masks/round_detail.html", _round_context(request, rnd))


@_manager
@require_POST
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    rnd = get_object_or_404(MaskRound.objects.editable_by(request.user), pk=pk)
    user = request.user
    try:
        if action == "close":
            services.close_round(actor=user, mask_round=rnd)
            messages.success(request, _("已截止预约。"))
        elif action == "draw":
            rnd = services.draw_lottery(actor=user, mask_round=rnd, seed=request.POST.get("seed") or None)
            messages.success(request, _("摇号完成，种子 %(s)s 已公布。") % {"s": rnd.lottery_seed})
        elif action == "forfeit":
            out = services.forfeit_expired(actor=user, mask_round=rnd)
            messages.success(
                request,
                _("作废逾期凭证 %(f)d 张，重新分配 %(r)d 户。")
                % {"f": out["forfeited"], "r": out["reallocated"]},
            )
        elif action == "finish":
            services.finish_round(actor=user, mask_round=rnd)
            messages.success(request, _("本轮已结束。"))
        elif action == "allocate":
            n = services.allocate_waiting(actor=user, mask_round=rnd)
            messages.success(request, _("已分配 %(n)d 户。") % {"n": n})
        elif action == "batch":
            _record_batch(request, rnd)
        elif action == "site":
            _add_site(request, rnd)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("masks:round_detail", pk=rnd.pk)


def _record_batch(request: HttpRequest, rnd: MaskRound) -> None:
    neighborhoods = {h.pk: h for h in selectors.round_neighborhoods(request.user, rnd)}
    hoods = [(pk, h.name) for pk, h in neighborhoods.items()]
    sites = list(PickupSite.objects.visible_to(request.user).filter(round=rnd))
    form = BatchForm(request.POST, hoods=hoods, sites=sites)
    if not form.is_valid():
        raise ValidationError([e for errs in form.errors.values() for e in errs])
    data = form.cleaned_data
    hood = neighborhoods[data["neighborhood"]]
    site = next((s for s in sites if s.pk == data["site"]), None)
    services.record_stock_batch(
        actor=request.user,
        mask_round=rnd,
        neighborhood=hood,
        quantity=data["quantity"],
        site=site,
        note=data["note"],
    )
    messages.success(request, _("已入库 %(n)d 只（%(h)s）。") % {"n": data["quantity"], "h": hood.name})


def _add_site(request: HttpRequest, rnd: MaskRound) -> None:
    neighborhoods = {h.pk: h for h in selectors.round_neighborhoods(request.user, rnd)}
    hoods = [(pk, h.name) for pk, h in neighborhoods.items()]
    form = SiteForm(request.POST, hoods=hoods)
    if not form.is_valid():
        raise ValidationError([e for errs in form.errors.values() for e in errs])
    data = form.cleaned_data
    slots = []
    if data.get("capacity"):
        slots = [(data["slot_starts_at"], data["slot_ends_at"], data["capacity"])]
    services.add_pickup_site(
        actor=request.user,
        mask_round=rnd,
        neighborhood=neighborhoods[data["neighborhood"]],
        name=data["name"],
        kind=data["kind"],
        address=data["address"],
        slots=slots,
    )
    messages.success(request, _("已添加领取点「%(n)s」。") % {"n": data["name"]})


@_reader
def bookings(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    qs = (
        Booking.objects.visible_to(request.user)
        .filter(round=rnd)
        .select_related("neighborhood", "building__compound", "voucher")
        .order_by("id")
    )
    status = request.GET.get("status", "")
    if status in BookingStatus.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(number__iexact=q) | Q(name__contains=q) | Q(room__iexact=q) | Q(voucher__number__iexact=q)
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "round": rnd,
        "page": page,
        "statuses": BookingStatus.choices,
        "status": status,
        "q": q,
        **access.flags(request.user),
    }
    template = "masks/_rows.html" if is_htmx(request) else "masks/bookings.html"
    return render(request, template, context)


@_worker
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.editable_by(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.review_booking(actor=request.user, booking=booking, approve=approve)
        messages.success(request, _("预约 %(n)s 已审核。") % {"n": booking.number})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(reverse("masks:bookings", args=[booking.round_id]) + "?status=review")


@_worker
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    """Committee desk: find the household by address or ID number, pick the person, book."""
    from fangkong.registry.models import Household, Resident

    rnd = _round(request, pk)
    user = request.user
    q = request.GET.get("q", "").strip()
    households: list[Any] = []
    if q:
        base = Household.objects.editable_by(user).filter(subdistrict_id=rnd.subdistrict_id)
        try:
            id_value = check_resident_id(q).value
        except ValidationError:
            id_value = ""
        if id_value:
            hh_ids = (
                Resident.objects.editable_by(user)
                .filter(id_number_hash=crypto.lookup_hash("id_number", id_value))
                .values("household_id")
            )
            households = list(base.filter(pk__in=hh_ids).select_related("building__compound")[:10])
        else:
            households = list(
                base.filter(Q(address__contains=q) | Q(room=normalize_room(q)))
                .select_related("building__compound")
                .order_by("building_id", "room")[:20]
            )
    booked = dict(
        Booking.objects.visible_to(user)
        .filter(round=rnd, household_id__in=[h.pk for h in households])
        .values_list("household_id", "number")
    )
    residents: dict[int, list[Any]] = {}
    for r in Resident.objects.filter(household_id__in=[h.pk for h in households]).order_by("id"):
        residents.setdefault(r.household_id, []).append(r)
    rows = [
        {"household": h, "residents": residents.get(h.pk, []), "booked": booked.get(h.pk)} for h in households
    ]
    context = {
        "round": rnd,
        "q": q,
        "rows": rows,
        "person_form": DeskPersonForm(),
        **_desk_confirmation(request, rnd),
    }
    if is_htmx(request):
        return render(request, "masks/_desk_results.html", context)
    return render(request, "masks/desk.html", context)


def _desk_confirmation(request: HttpRequest, rnd: MaskRound) -> dict[str, Any]:
    """The booking just made (or found) at the desk: allocated (site, time, voucher to print) or queued
    (place in the queue). Only a booking the user sees."""
    booked = request.GET.get("booked", "")
    if not booked.isdigit():
        return {}
    booking = (
        Booking.objects.visible_to(request.user)
        .select_related("round", "building__compound", "neighborhood")
        .filter(round=rnd, pk=int(booked))
        .first()
    )
    if booking is None:
        return {}
    v = Voucher.objects.select_related("site", "slot").filter(booking=booking).first()
    return {
        "confirmed": booking,
        "confirmed_new": request.GET.get("new") == "1",
        "confirmed_voucher": v,
        "confirmed_qr": qr_svg_inline(v.number, scale=1) if v is not None else "",
        "confirmed_place": services.queue_place(booking),
    }


@_worker
@require_POST
@personal_post
def desk_book(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.registry.models import Household, Resident

    rnd = _round(request, pk)
    household = get_object_or_404(
        Household.objects.editable_by(request.user), pk=request.POST.get("household")
    )
    resident = None
    extra: dict[str, str] = {}
    if request.POST.get("resident"):
        resident = get_object_or_404(
            Resident.objects.filter(household=household), pk=request.POST["resident"]
        )
    else:
        extra = {k: request.POST.get(k, "") for k in ("name", "id_number", "phone")}
    back: dict[str, Any] = {"q": request.POST.get("q", "")}
    try:
        result = services.book_at_desk(
            actor=request.user, mask_round=rnd, household=household, resident=resident, **extra
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except ScopeError:
        raise Http404
    else:
        back.update(booked=result.id, new=int(result.created))
    return redirect(reverse("masks:desk", args=[rnd.pk]) + "?" + urlencode(back))


@_reader
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    rows = selectors.round_reconciliation(request.user, rnd)
    site_rows = selectors.site_reconciliation(request.user, rnd)
    return render(
        request,
        "masks/ledger.html",
        {
            "round": rnd,
            "rows": rows,
            "site_rows": site_rows,
            "all_ok": all(r["ok"] for r in rows) and all(r["ok"] for r in site_rows),
        },
    )


@_worker
def pickup(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    candidates = list(
        MaskRound.objects.visible_to(user)
        .exclude(status=RoundStatus.FINISHED)
        .filter(pickup_ends_at__gte=now - dt.timedelta(days=7))
        .order_by("-opens_at", "-id")
    )
    # rounds in their pickup window first (where vouchers are collected now), then booking, then the rest
    order = [RoundPhase.PICKUP, RoundPhase.BOOKING, RoundPhase.NOT_STARTED, RoundPhase.ENDED]
    open_rounds = sorted(candidates, key=lambda r: order.index(r.phase_at(now)))
    round_id = (
        request.POST.get("round") or request.GET.get("round") or (open_rounds[0].pk if open_rounds else None)
    )
    rnd = next((r for r in open_rounds if str(r.pk) == str(round_id)), None)
    sites = (
        list(PickupSite.objects.visible_to(user).filter(round=rnd).order_by("neighborhood", "name"))
        if rnd
        else []
    )
    site_id = request.POST.get("site") or request.GET.get("site") or ""
    site = next((s for s in sites if str(s.pk) == str(site_id)), None)
    form = PickupForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST" and rnd is not None and form.is_valid():
        try:
            result = services.collect_voucher(
                actor=user,
                number=form.cleaned_data["number"],
                id_check=form.cleaned_data["id_check"],
                round_id=rnd.pk,
                site_id=site.pk if site else None,
            )
            messages.success(
                request,
                _("核销成功：凭证 %(v)s，%(n)d 只。") % {"v": result.number, "n": result.quantity},
            )
            form = PickupForm()
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            status = 409
    context = {
        "rounds": open_rounds,
        "round": rnd,
        "sites": sites,
        "site": site,
        "form": form,
        "result": result,
    }
    return render(request, "masks/pickup.html", context, status=status)


# ------------------------------------------------------------------------------------------------- public


_VOUCHER_RELATED = ("round", "site", "slot", "booking__building__compound", "neighborhood")
NO_MATCH = _lazy("没有找到预约。请核对身份证号和手机号（须与预约时一致）。")


def _voucher_context(v: Voucher) -> dict[str, Any]:
    return {"v": v, "qr": qr_svg_inline(v.number, scale=1)}


@personal_post
def voucher(request: HttpRequest, number: str) -> HttpResponse:
    """The printable voucher. Staff whose scope covers it see it at once; anyone else first proves to be the
    booker with the booking's ID number and phone (the lookup page's rule). An unknown number asks the same
    question and gets the same answer as a wrong ID or phone, so the page tells nothing about numbers."""
    value = services.normalize_voucher(number)
    v = Voucher.objects.select_related(*_VOUCHER_RELATED).filter(number=value).first()
    user: Any = request.user
    if v is not None and user.is_authenticated and Voucher.objects.visible_to(user).filter(pk=v.pk).exists():
        return render(request, "masks/voucher.html", _voucher_context(v))
    form = LookupForm(request.POST or None)
    status, retry_after = 200, 0
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                ratelimit.hit(request, "masks.voucher", key=form.cleaned_data["id_number"])
            except ratelimit.RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            else:
                if v is not None and services.booker_of(v.booking, **form.cleaned_data):
                    return render(request, "masks/voucher.html", _voucher_context(v))
                form.add_error(None, NO_MATCH)
                status = 404
    response = render(request, "masks/voucher_check.html", {"form": form, "number": value}, status=status)
    return ratelimit.retry_after(response, retry_after)


def my_booking(request: HttpRequest, number: str, token: str) -> HttpResponse:
    """A booking's own page, reached only through the link its booker was given: status, place in the queue,
    and the voucher once allocated."""
    booking = services.booking_by_token(number, token)
    if booking is None:
        raise Http404
    v = Voucher.objects.select_related(*_VOUCHER_RELATED).filter(booking=booking).first()
    context: dict[str, Any] = {"booking": booking, "place": services.queue_place(booking), "v": v}
    if v is not None:
        context.update(_voucher_context(v))
    return render(request, "masks/my_booking.html", context)


def _my_link(request: HttpRequest, number: str) -> str:
    return public_url("masks:my_booking", number, services.booking_token(number))


def _open_round_public(pk: int) -> caches.RoundInfo:
    info = caches.round_info(pk)
    if info is None:
        raise Http404
    return info


@personal_post
def public_book(request: HttpRequest, pk: int) -> HttpResponse:
    info = _open_round_public(pk)
    book = caches.address_book(info.subdistrict_id)
    form = PublicBookingForm(request.POST or None)
    status, retry_after = 200, 0
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.book_public(
                round_id=info.id,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                building_id=data["building"],
                room=data["room"],
                client_ip=ratelimit.client_ip(request.META),
            )
        except ratelimit.RateLimited as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
        except services.AddressBooked as exc:
            add_form_errors(form, exc)
            status = 409
        except ValidationError as exc:
            add_form_errors(form, exc)
            status = 400
        else:
            rnd = MaskRound.objects.get(pk=info.id)
            booking = Booking.objects.select_related("round", "building__compound", "neighborhood").get(
                pk=result.id
            )
            context = {
                "round": rnd,
                "booking": booking,
                "result": result,
                "place": services.queue_place(booking),
                "my_link": _my_link(request, booking.number),
            }
            return render(request, "masks/public_done.html", context)
    elif request.method == "POST":
        status = 400
    now = timezone.now()
    chosen = {k: request.POST.get(k, "") for k in ("neighborhood", "compound", "building")}
    if request.method == "GET" and request.GET.get("n", "").isdigit():  # a neighborhood's poster
        chosen["neighborhood"] = request.GET["n"]
    compounds = (
        book.compounds.get(int(chosen["neighborhood"]), []) if chosen["neighborhood"].isdigit() else []
    )
    buildings = book.buildings.get(int(chosen["compound"]), []) if chosen["compound"].isdigit() else []
    context = {
        "info": info,
        "form": form,
        "neighborhoods": book.neighborhoods,
        "compounds": compounds,
        "buildings": buildings,
        "chosen": chosen,
        "is_open": info.status == RoundStatus.OPEN and info.opens_at <= now < info.closes_at,
        "not_yet": now < info.opens_at,
    }
    response = render(request, "masks/public_book.html", context, status=status)
    return ratelimit.retry_after(response, retry_after)


def public_options(request: HttpRequest, pk: int, level: str) -> HttpResponse:
    """htmx partial: the compounds of a neighborhood, or the buildings of a compound."""
    info = _open_round_public(pk)
    book = caches.address_book(info.subdistrict_id)
    parent = request.GET.get("neighborhood" if level == "compounds" else "compound", "")
    items: list[tuple[int, str]] = []
    if parent.isdigit():
        items = (book.compounds if level == "compounds" else book.buildings).get(int(parent), [])
    return render(request, "masks/_options.html", {"items": items, "level": level, "round_id": pk})


@personal_post
def public_lookup(request: HttpRequest, pk: int) -> HttpResponse:
    info = _open_round_public(pk)
    form = LookupForm(request.POST or None)
    booking = None
    searched = False
    status, retry_after = 200, 0
    if request.method == "POST" and form.is_valid():
        searched = True
        try:
            ratelimit.hit(request, "masks.lookup", key=form.cleaned_data["id_number"])
            booking = services.find_booking(
                round_id=info.id, id_number=form.cleaned_data["id_number"], phone=form.cleaned_data["phone"]
            )
        except ratelimit.RateLimited as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
    rnd = MaskRound.objects.get(pk=info.id)
    context: dict[str, Any] = {"round": rnd, "form": form, "booking": booking, "searched": searched}
    if booking is not None:
        context.update(
            voucher=Voucher.objects.filter(booking=booking).first(),
            place=services.queue_place(booking),
            my_link=_my_link(request, booking.number),
        )
    response = render(request, "masks/public_lookup.html", context, status=status)
    return ratelimit.retry_after(response, retry_after)


def public_lottery(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(MaskRound, pk=pk, mode=AllocationMode.LOTTERY)
    ranked: list[Any] = []
    if rnd.lottery_drawn_at:
        ranked = list(
            Booking.objects.filter(round=rnd, draw_rank__isnull=False)
            .order_by("draw_rank")
            .values("draw_rank", "number", "status")
        )
    return render(request, "masks/public_lottery.html", {"round": rnd, "ranked": ranked})
