"""Pages of the volunteers (志愿者): the public sign-up from a phone and its poster (a neighborhood's, or a
compound gate's volunteer point), the staff's list and verification, duty shifts through the pairing roster,
today's check-ins and check-outs, and the service-hours workbook for commendation."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import access
from fangkong.care import volunteers as service
from fangkong.care.choices import SignupStatus
from fangkong.care.forms import CheckInForm, DutyPlanForm, PublicVolunteerForm, VerifySignupForm
from fangkong.care.models import ServiceSession, VolunteerSignup
from fangkong.core import ratelimit
from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.exports import record_export
from fangkong.core.links import public_url
from fangkong.core.privacy import personal_post
from fangkong.core.qr import qr_svg_inline


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


# ------------------------------------------------------------------------------------------ public page


@ratelimit.limit("care.volunteer", methods=("POST",), key=ratelimit.field("phone"))
@personal_post
def public_volunteer(request: HttpRequest, subdistrict_id: int) -> HttpResponse:
    """A resident signs up to volunteer from a phone, for a neighborhood (and a compound's gate). The page
    answers the same whatever was there before, so it says nothing about anyone else."""
    from fangkong.registry.models import Compound, Neighborhood, SubDistrict

    sub = get_object_or_404(SubDistrict, pk=subdistrict_id)
    hoods = list(Neighborhood.objects.filter(subdistrict=sub).order_by("code", "name"))
    hood_id = _int(request.POST.get("n") or request.GET.get("n"))
    hood = next((h for h in hoods if h.pk == hood_id), None)
    if hood is None:
        return render(request, "care/public_volunteer_pick.html", {"sub": sub, "hoods": hoods})
    compounds = list(Compound.objects.filter(neighborhood=hood).order_by("name"))
    initial = {"key": uuid.uuid4().hex, "compound": _int(request.GET.get("c"))}
    form = PublicVolunteerForm(request.POST or None, compounds=compounds, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        compound = next((c for c in compounds if c.pk == d["compound"]), None)
        try:
            service.sign_up(
                data=service.SignupInput(
                    neighborhood=hood,
                    compound=compound,
                    name=d["name"],
                    phone=d["phone"],
                    id_number=d["id_number"],
                    skills=d["skills"],
                    weekdays=d["weekdays"],
                    availability=d["availability"],
                    says_party_member=d["says_party_member"],
                ),
                public_key=f"{sub.pk}:{d['key']}",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return render(request, "care/public_volunteer_done.html", {"sub": sub, "hood": hood})
    compound = next((c for c in compounds if c.pk == initial["compound"]), None)
    return render(
        request,
        "care/public_volunteer.html",
        {"form": form, "sub": sub, "hood": hood, "compound": compound},
    )


@login_required
def poster(request: HttpRequest) -> HttpResponse:
    """The sign-up poster of a neighborhood, or of a compound's gate (志愿者服务点暨登记点): its QR code opens
    the public page on that neighborhood and compound. From here a compound's gate becomes a health
    registration point too (the returnees app's venue)."""
    from fangkong.registry.models import Compound, Neighborhood

    user = access.care_user(request.user)
    hoods = list(Neighborhood.objects.visible_to(user).order_by("code", "name"))
    if not hoods:
        raise Http404
    hood = next((h for h in hoods if h.pk == _int(request.GET.get("hood"))), hoods[0])
    compounds = list(
        Compound.objects.visible_to(user).filter(neighborhood=hood).select_related("venue").order_by("name")
    )
    compound = next((c for c in compounds if c.pk == _int(request.GET.get("compound"))), None)
    url = public_url("care:public_volunteer", hood.subdistrict_id) + f"?n={hood.pk}"
    if compound is not None:
        url += f"&c={compound.pk}"
    venue = getattr(compound, "venue", None) if compound is not None else None
    can_point = compound is not None and venue is None and access.may_make_registration_point(user, compound)
    return render(
        request,
        "care/volunteer_poster.html",
        _context(
            request,
            hood=hood,
            hoods=hoods,
            compounds=compounds,
            compound=compound,
            url=url,
            svg=qr_svg_inline(url, scale=1),
            venue=venue,
            can_point=can_point,
        ),
    )


# ------------------------------------------------------------------------------------------ staff pages


@login_required
def volunteers(request: HttpRequest) -> HttpResponse:
    """Waiting sign-ups and the volunteers with their service hours."""
    from fangkong.registry.models import Volunteer

    user = access.care_user(request.user)
    status = request.GET.get("status") or SignupStatus.PENDING
    signups = (
        VolunteerSignup.objects.visible_to(user)
        .select_related("neighborhood", "compound")
        .order_by("-created_at", "-pk")
    )
    if status in SignupStatus.values:
        signups = signups.filter(status=status)
    q = request.GET.get("q", "").strip()
    people = (
        Volunteer.objects.visible_to(user).filter(active=True).select_related("neighborhood", "party_branch")
    )
    if q:
        people = people.filter(name__icontains=q)
        signups = signups.filter(name__icontains=q)
    people = service.hours_by_volunteer(people).order_by("neighborhood__name", "name", "pk")
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "care/volunteers.html",
        _context(
            request,
            signups=signups[:100],
            status=status,
            statuses=SignupStatus.choices,
            page=page,
            rows=[(v, round((v.minutes or 0) / 60, 1)) for v in page],
            q=q,
            can_plan=access.may_plan_any_duty(user),
        ),
    )


@login_required
def signup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.registry.models import PartyBranch

    user = access.care_user(request.user)
    signup = get_object_or_404(
        VolunteerSignup.objects.visible_to(user).select_related(
            "neighborhood", "compound", "resident", "party_branch", "volunteer", "checked_by"
        ),
        pk=pk,
    )
    can = access.may_verify_signup(user, signup)
    branches = list(PartyBranch.objects.visible_to(user).filter(subdistrict_id=signup.subdistrict_id)[:300])
    form = VerifySignupForm(
        request.POST or None, branches=branches, initial={"is_party_member": signup.says_party_member}
    )
    if request.method == "POST":
        if not can:
            raise Http404
        try:
            if request.POST.get("action") == "reject":
                service.reject_signup(actor=user, signup=signup, note=request.POST.get("note", ""))
                messages.success(request, _("已标记为未通过。"))
                return redirect("care:volunteers")
            if form.is_valid():
                d = form.cleaned_data
                branch = next((b for b in branches if b.pk == d["party_branch"]), None)
                service.verify_signup(
                    actor=user,
                    signup=signup,
                    is_party_member=d["is_party_member"],
                    party_branch=branch,
                    seen_in_person=d["seen_in_person"],
                    note=d["note"],
                )
                messages.success(request, _("已核实，已登记为志愿者。"))
                return redirect("care:signup_detail", pk=signup.pk)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied:
            raise Http404
    match = service.registry_match(signup) if can else None
    return render(
        request,
        "care/signup_detail.html",
        _context(
            request,
            signup=signup,
            form=form,
            can=can,
            match=match,
            name_matches=match is not None and match.name.strip() == signup.name.strip(),
        ),
    )


@login_required
def duty(request: HttpRequest) -> HttpResponse:
    """Roster a neighborhood's volunteers on gate, screening and delivery shifts (the pairing roster)."""
    from fangkong.registry.models import Neighborhood

    user = access.care_user(request.user)
    hoods = [
        h
        for h in Neighborhood.objects.editable_by(user).order_by("code", "name")
        if access.may_plan_duty(user, h)
    ]
    if not hoods:
        raise Http404
    form = DutyPlanForm(
        request.POST or None,
        neighborhoods=hoods,
        initial={"start_date": timezone.localdate() + dt.timedelta(days=1)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        hood = next(h for h in hoods if h.pk == d["neighborhood"])
        try:
            roster = service.plan_duty(
                actor=user,
                neighborhood=hood,
                start_date=d["start_date"],
                days=d["days"],
                duties=d["duties"],
                max_shifts_per_week=d["max_shifts_per_week"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied:
            raise Http404
        else:
            messages.success(request, _("已排班（草稿），请在值班表中检查、调整并发布。"))
            return redirect("pairing:roster", pk=roster.pk)
    return render(request, "care/volunteer_duty.html", _context(request, form=form))


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Today's volunteer shifts and who is on service now, with check-in and check-out from a phone."""
    from fangkong.pairing.choices import MemberKind
    from fangkong.pairing.models import RosterAssignment
    from fangkong.registry.models import Compound, Volunteer

    user = access.care_user(request.user)
    day = timezone.localdate()
    writable = [
        v
        for v in Volunteer.objects.visible_to(user)
        .filter(active=True, neighborhood__isnull=False)
        .select_related("neighborhood")
        .order_by("neighborhood__name", "name")[:500]
        if access.may_check_in(user, v)
    ]
    hood_ids = {v.neighborhood_id for v in writable}
    compounds = list(
        Compound.objects.visible_to(user)
        .filter(neighborhood_id__in=hood_ids)
        .order_by("neighborhood_id", "name")
    )
    form = CheckInForm(request.POST or None, volunteers=writable, compounds=compounds)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "out":
                session = get_object_or_404(
                    ServiceSession.objects.visible_to(user).select_related("volunteer"),
                    pk=_int(request.POST.get("session")),
                )
                if not access.may_check_in(user, session.volunteer):
                    raise Http404
                service.check_out(actor=user, session=session)
                messages.success(request, _("已签退。"))
                return redirect("care:volunteer_today")
            if not writable:
                raise Http404
            if form.is_valid():
                d = form.cleaned_data
                volunteer = next((v for v in writable if v.pk == d["volunteer"]), None)
                if volunteer is None:
                    raise Http404
                assignment = (
                    RosterAssignment.objects.filter(person__volunteer=volunteer, date=day)
                    .select_related("person")
                    .first()
                )
                service.check_in(
                    actor=user,
                    volunteer=volunteer,
                    duty=d["duty"],
                    compound=next((c for c in compounds if c.pk == d["compound"]), None),
                    assignment=assignment,
                )
                messages.success(request, _("已签到。"))
                return redirect("care:volunteer_today")
        except ValidationError as exc:
            flash_errors(request, exc)
        except PermissionDenied:
            raise Http404
    shifts = list(
        RosterAssignment.objects.filter(
            date=day, person__kind=MemberKind.VOLUNTEER, person__volunteer__in=[v.pk for v in writable]
        )
        .select_related("template", "person")
        .order_by("starts_at", "template__name")[:300]
    )
    open_sessions = list(
        ServiceSession.objects.visible_to(user)
        .filter(ended_at__isnull=True)
        .select_related("volunteer", "compound")
        .order_by("started_at")[:300]
    )
    on_service = [(s, access.may_check_in(user, s.volunteer)) for s in open_sessions]
    return render(
        request,
        "care/volunteer_today.html",
        _context(request, form=form, shifts=shifts, on_service=on_service, day=day, can=bool(writable)),
    )


def _hours_rows(user: Any, since: dt.date | None, until: dt.date | None) -> list[list[Any]]:
    from fangkong.registry.models import Volunteer

    people = service.hours_by_volunteer(
        Volunteer.objects.visible_to(user).select_related("neighborhood", "party_branch"),
        since=since,
        until=until,
    ).order_by("neighborhood__name", "-minutes", "name", "pk")
    return [
        [
            v.name,
            v.neighborhood.name if v.neighborhood else "",
            _("是") if v.is_party_member else _("否"),
            v.party_branch.name if v.party_branch else "",
            v.skills,
            v.sessions or 0,
            round((v.minutes or 0) / 60, 1),
        ]
        for v in people
    ]


@login_required
def hours_xlsx(request: HttpRequest) -> HttpResponse:
    """Service hours per volunteer (for commendation, 表彰), as a workbook; the export is audited."""
    from fangkong.core import xlsx_writer
    from fangkong.core.spreadsheet_cells import sheet_row

    user = access.care_user(request.user)
    try:
        since = dt.date.fromisoformat(request.GET["since"]) if request.GET.get("since") else None
        until = dt.date.fromisoformat(request.GET["until"]) if request.GET.get("until") else None
    except ValueError:
        since = until = None
    rows = _hours_rows(user, since, until)
    headers = [
        _("姓名"),
        _("居民区"),
        _("党员"),
        _("所在党组织"),
        _("技能"),
        _("服务次数"),
        _("服务时长（小时）"),
    ]
    buffer = io.BytesIO()
    xlsx_writer.write(
        buffer,
        sheet_title=_("志愿服务时长"),
        headers=headers,
        required=[False] * len(headers),
        widths=[12.0, 14.0, 6.0, 20.0, 16.0, 10.0, 14.0],
        rows=(sheet_row(r) for r in rows),
    )
    record_export(
        user,
        object_type="care.servicesession",
        object_repr=_("志愿服务时长"),
        changes={"rows": len(rows), "since": str(since or ""), "until": str(until or "")},
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''volunteer-hours.xlsx"
    return response
