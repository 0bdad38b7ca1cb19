"""The visit pages (四进巡查), made for a phone: choose the firm or premises, then one screen per step, each
saved as a draft, then a review screen that submits once."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.inspections import access, selectors, services
from fangkong.inspections.choices import Signature, VisitPlace, VisitState
from fangkong.inspections.forms import ChecksForm, OutcomeForm, PlaceForm
from fangkong.inspections.models import Visit, VisitPhoto
from fangkong.inspections.services.visits import LAST_STEP, PLACE_STEPS, read_photo

STEP_TITLES = {
    1: VisitPlace.GATE.label,
    2: VisitPlace.WORKSHOP.label,
    3: VisitPlace.WAREHOUSE.label,
    4: VisitPlace.DORMITORY.label,
}


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    user = access.visits_user(request.user)
    page = Paginator(selectors.visits(user), 50).get_page(request.GET.get("page"))
    return render(request, "inspections/visit_list.html", _ctx(request, page=page))


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    """Start a visit of ``?firm=`` or ``?premises=``; the form carries a client token so a double submit
    starts one visit."""
    user = access.visits_user(request.user)
    if not access.may_visit(user):
        raise Http404
    from fangkong.registry.models import Premises

    data = request.POST if request.method == "POST" else request.GET
    firm = premises = None
    if str(data.get("firm", "")).isdigit():
        firm = get_object_or_404(selectors.firms(user), pk=int(data["firm"]))
    elif str(data.get("premises", "")).isdigit():
        premises = get_object_or_404(Premises.objects.visible_to(user), pk=int(data["premises"]))
    if request.method == "POST" and (firm or premises):
        try:
            visit, _created = services.start_visit(
                actor=user,
                firm=firm,
                premises=premises,
                team=str(request.POST.get("team", ""))[:60],
                client_token=str(request.POST.get("client_token", ""))[:40],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        except ScopeError:
            raise Http404
        else:
            return redirect("inspections:visit_step", pk=visit.pk, step=1)
    choices = list(Premises.objects.visible_to(user).order_by("name")[:100])
    return render(
        request,
        "inspections/visit_new.html",
        _ctx(request, firm=firm, premises=premises, choices=choices, token=secrets.token_urlsafe(16)),
    )


def _visit(request: HttpRequest, pk: int) -> Visit:
    user = access.visits_user(request.user)
    return get_object_or_404(selectors.visits(user), pk=pk)


@login_required
def visit_step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    visit = _visit(request, pk)
    if step < 1 or step > LAST_STEP:
        raise Http404
    editable = access.may_edit_visit(request.user, visit)
    if step == LAST_STEP and request.method == "POST" and visit.state == VisitState.SUBMITTED:
        return redirect("inspections:visit_detail", pk=visit.pk)  # a repeated submit: the same answer
    if request.method == "POST" and not editable:
        raise Http404
    if step == LAST_STEP:
        return _review(request, visit, editable)
    if step in PLACE_STEPS:
        place = PLACE_STEPS[step]
        initial = visit.checklist.get(place, {})
        form: Any = PlaceForm(request.POST or None, initial=initial)
    elif step == 5:
        form = ChecksForm(request.POST or None, instance=visit)
    else:
        form = OutcomeForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            photo = read_photo(data.pop("photo_data")) if data.get("photo_data") else None
            services.save_visit_step(actor=request.user, visit=visit, step=step, data=data, photo=photo)
        except ValidationError as exc:
            add_form_errors(form, exc, fields={"photo": "photo_data"})
        else:
            return redirect("inspections:visit_step", pk=visit.pk, step=step + 1)
    photos = list(visit.photos.defer("image").filter(place=PLACE_STEPS[step])) if step in PLACE_STEPS else []
    return render(
        request,
        "inspections/visit_step.html",
        _ctx(
            request,
            visit=visit,
            step=step,
            steps=range(1, LAST_STEP + 1),
            title=STEP_TITLES.get(step, _("查验与数量") if step == 5 else _("处置")),
            form=form,
            photos=photos,
            editable=editable,
            place_step=step in PLACE_STEPS,
        ),
    )


def _review(request: HttpRequest, visit: Visit, editable: bool) -> HttpResponse:
    if request.method == "POST":
        try:
            visit, created = services.submit_visit(actor=request.user, visit=visit)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            if created:
                messages.success(request, _("巡查记录已提交。"))
            return redirect("inspections:visit_detail", pk=visit.pk)
    return (
        redirect("inspections:visit_detail", pk=visit.pk)
        if visit.state == VisitState.SUBMITTED
        else render(
            request,
            "inspections/visit_review.html",
            _ctx(
                request,
                visit=visit,
                step=LAST_STEP,
                steps=range(1, LAST_STEP + 1),
                editable=editable,
                **_summary(visit),
            ),
        )
    )


def _summary(visit: Visit) -> dict[str, Any]:
    photos = list(visit.photos.defer("image").order_by("pk"))
    places = [
        (
            VisitPlace(place).label,
            visit.checklist.get(place, {}),
            [p for p in photos if p.place == place],
        )
        for place in PLACE_STEPS.values()
    ]
    return {"places": places, "signature_label": Signature(visit.signature).label if visit.signature else ""}


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    return render(
        request,
        "inspections/visit_detail.html",
        _ctx(request, visit=visit, editable=access.may_edit_visit(request.user, visit), **_summary(visit)),
    )


@login_required
def visit_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    visit = _visit(request, pk)
    photo = get_object_or_404(VisitPhoto.objects.visible_to(request.user), pk=photo_id, visit=visit)
    response = HttpResponse(bytes(photo.image), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
