"""Pages of the returnees app: the follow-up board, declarations, isolation lists, venues and health forms
(staff, behind login), and three public mobile pages: the declaration form, the personal report link and a
venue's check-in form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import ratelimit
from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.htmx import pick_template
from fangkong.core.links import public_url
from fangkong.core.privacy import personal_post
from fangkong.core.qr import qr_svg_inline
from fangkong.returnees import access, selectors, services
from fangkong.returnees.choices import AmendmentStatus, IsolationStatus, ReportSource, Source
from fangkong.returnees.forms import (
    AmendmentDecisionForm,
    DeclarationForm,
    ExtendForm,
    OutcomeForm,
    PhoneReportForm,
    PublicDeclarationForm,
    ReleaseForm,
    ReportForm,
    RiskRuleForm,
    ShiftForm,
    StartIsolationForm,
    SuspendForm,
    VisitForm,
    place_options,
)
from fangkong.returnees.models import (
    Declaration,
    DeclarationAmendment,
    FollowUpTask,
    HealthReport,
    Isolation,
    Referral,
    RiskRule,
    Venue,
    VenueVisit,
)


def _link_context(token: str | None) -> dict[str, Any]:
    """The personal report link (shown once) and its QR code, for the page that just made it."""
    if not token:
        return {"link": None}
    link = public_url("returnees:report", token)
    return {"link": link, "link_qr": qr_svg_inline(link, scale=1)}


# ---------------------------------------------------------------- board


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = access.returnee_user(request.user)
    data = selectors.follow_up_board(user)
    tasks = list(
        FollowUpTask.objects.visible_to(user)
        .filter(status="open")
        .select_related("isolation__declaration", "building", "assignee")
        .order_by("-day", "slot", "pk")[:50]
    )
    shown = [i.pk for i in data.missing] + [r.isolation_id for r in data.fevers]
    shown += [i.pk for i in data.releases_due] + [t.isolation_id for t in tasks]
    services.record_list_read(
        actor=user,
        listed=_("随访看板 %(day)s") % {"day": data.day},
        object_type="returnees.isolation",
        ids=sorted(set(shown)),
        filters={"day": str(data.day)},
    )
    done_ids = {t.pk for t in tasks if access.may_complete_task(request.user, t)}
    return render(request, "returnees/board.html", {"board": data, "tasks": tasks, "done_ids": done_ids})


# ---------------------------------------------------------------- declarations


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    user = access.returnee_user(request.user)
    qs = Declaration.objects.visible_to(user).select_related("neighborhood", "building", "building__compound")
    level = request.GET.get("level", "")
    if level:
        qs = qs.filter(risk_level=level)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    duplicates = request.GET.get("dup", "") == "1"
    if duplicates:
        qs = qs.filter(duplicate_of__isnull=False, duplicate_resolved_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    services.record_list_read(
        actor=user,
        listed=_("返沪申报列表 第%(n)d页") % {"n": page.number},
        object_type="returnees.declaration",
        ids=[d.pk for d in page],
        filters={"level": level, "q": q, "dup": "1" if duplicates else "", "page": page.number},
    )
    template = pick_template(request, "returnees/declaration_list.html", "returnees/_declaration_rows.html")
    return render(request, template, {"page": page, "filters": request.GET})


@login_required
@personal_post
def declaration_new(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Building

    user = access.returnee_user(request.user)
    buildings = Building.objects.editable_by(user)
    form = DeclarationForm(request.POST or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.declare_return(actor=user, data=form.to_input(), source=Source.STAFF)
        except ValidationError as exc:
            add_form_errors(form, exc, fields=DeclarationForm.service_fields)
        except ScopeError:
            form.add_error("building", _("该楼栋不在您的管辖范围内。"))
        else:
            messages.success(
                request,
                _("已保存申报：%(name)s。") % {"name": result.declaration.name}
                if result.created
                else _("此人本次行程已申报，已合并更新。"),
            )
            if result.token:
                request.session["returnee_new_link"] = result.token
            return redirect("returnees:declaration_detail", pk=result.declaration.pk)
    return render(request, "returnees/declaration_form.html", {"form": form})


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.returnee_user(request.user)
    decl = get_object_or_404(
        Declaration.objects.visible_to(user).select_related("neighborhood", "building__compound", "employer"),
        pk=pk,
    )
    services.record_read(actor=user, declaration=decl)
    isolations = list(decl.isolations.order_by("-start_date"))
    token = request.session.pop("returnee_new_link", None)
    context: dict[str, Any] = {"d": decl, "isolations": isolations, **_link_context(token)}
    # A duplicate declaration of the same trip (another neighborhood's), for those who may see both.
    context["duplicates"] = list(
        Declaration.objects.visible_to(user)
        .filter(Q(pk=decl.duplicate_of_id) | Q(duplicate_of=decl))
        .exclude(pk=decl.pk)
        .select_related("neighborhood")
    )
    context["pending_amendments"] = list(
        DeclarationAmendment.objects.visible_to(user).filter(declaration=decl, status=AmendmentStatus.PENDING)
    )
    context["can_reveal"] = access.may_reveal_personal(user)
    context["can_resolve_duplicate"] = access.may_resolve_duplicate(user, decl)
    active = any(i.status == IsolationStatus.ACTIVE for i in isolations)
    if not active and access.may_start_isolation(user, decl):
        from fangkong.core.policies import get_policy

        context["start_form"] = StartIsolationForm()
        context["isolation_days"] = get_policy(decl.subdistrict_id, "isolation_days")
    return render(request, "returnees/declaration_detail.html", context)


@login_required
@require_POST
def declaration_resolve_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """HQ records that a possible duplicate declaration has been checked."""
    user = access.returnee_user(request.user)
    decl = get_object_or_404(Declaration.objects.editable_by(user), pk=pk)
    if not access.may_resolve_duplicate(user, decl):
        raise Http404
    try:
        services.resolve_duplicate(actor=user, declaration=decl, note=request.POST.get("note", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    except ScopeError:
        raise Http404
    else:
        messages.success(request, _("已记录重复申报的核对结果。"))
    return redirect("returnees:declaration_detail", pk=decl.pk)


@login_required
@require_POST
def declaration_isolate(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an isolation by hand (e.g. central isolation for a returnee the rules classed green)."""
    user = access.returnee_user(request.user)
    decl = get_object_or_404(Declaration.objects.editable_by(user), pk=pk)
    form = StartIsolationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择隔离方式并填写有效的开始日期。"))
        return redirect("returnees:declaration_detail", pk=decl.pk)
    try:
        iso, token = services.start_isolation(
            actor=user,
            declaration=decl,
            mode=form.cleaned_data["mode"],
            start_date=form.cleaned_data["start_date"],
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("returnees:declaration_detail", pk=decl.pk)
    except ScopeError:
        raise Http404
    request.session["returnee_new_link"] = token
    messages.success(
        request,
        _("已开始%(mode)s，至 %(end)s。") % {"mode": iso.get_mode_display(), "end": iso.end_date},
    )
    return redirect("returnees:isolation_detail", pk=iso.pk)


# ---------------------------------------------------------------- amendments (public repeats)


@login_required
def amendment_list(request: HttpRequest) -> HttpResponse:
    user = access.returnee_user(request.user)
    status = request.GET.get("status", AmendmentStatus.PENDING)
    if status not in AmendmentStatus.values:
        status = ""
    qs = DeclarationAmendment.objects.visible_to(user).select_related("declaration", "neighborhood")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    services.record_list_read(
        actor=user,
        listed=_("申报更正列表 第%(n)d页") % {"n": page.number},
        object_type="returnees.declarationamendment",
        ids=[a.pk for a in page],
        filters={"status": status, "page": page.number},
    )
    return render(
        request,
        "returnees/amendment_list.html",
        {"page": page, "status": status, "statuses": AmendmentStatus.choices},
    )


@login_required
def amendment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.returnee_user(request.user)
    amendment = get_object_or_404(
        DeclarationAmendment.objects.visible_to(user).select_related(
            "declaration__neighborhood", "declaration__building__compound", "decided_by"
        ),
        pk=pk,
    )
    decl = amendment.declaration
    can_decide = access.may_decide_amendment(user, amendment)
    form = AmendmentDecisionForm(request.POST or None, amendment=amendment)
    if request.method == "POST":
        if not can_decide:
            raise Http404
        if form.is_valid():
            try:
                result = services.decide_amendment(
                    actor=user, amendment=amendment, decisions=form.decisions()
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            except ScopeError:
                raise Http404
            else:
                messages.success(request, _("已处理更正。"))
                if result.token:
                    request.session["returnee_new_link"] = result.token
                return redirect("returnees:declaration_detail", pk=decl.pk)
    services.record_read(actor=user, declaration=decl)
    return render(
        request,
        "returnees/amendment_detail.html",
        {"a": amendment, "d": decl, "form": form, "can_decide": can_decide},
    )


# ---------------------------------------------------------------- isolation


@login_required
def isolation_list(request: HttpRequest) -> HttpResponse:
    user = access.returnee_user(request.user)
    status = request.GET.get("status", IsolationStatus.ACTIVE)
    if status not in IsolationStatus.values:
        status = ""
    qs = selectors.isolation_list(
        user,
        neighborhood_id=_int(request.GET.get("neighborhood")),
        building_id=_int(request.GET.get("building")),
        status=status,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    services.record_list_read(
        actor=user,
        listed=_("隔离名单 第%(n)d页") % {"n": page.number},
        object_type="returnees.isolation",
        ids=[i.pk for i in page],
        filters={
            "status": status,
            "neighborhood": request.GET.get("neighborhood", ""),
            "building": request.GET.get("building", ""),
            "page": page.number,
        },
    )
    return render(
        request,
        "returnees/isolation_list.html",
        {"page": page, "by_building": selectors.isolation_counts_by_building(user), "filters": request.GET},
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def isolation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.returnee_user(request.user)
    iso = get_object_or_404(
        Isolation.objects.visible_to(user).select_related(
            "declaration", "building__compound", "neighborhood", "released_by"
        ),
        pk=pk,
    )
    services.record_read(actor=user, declaration=iso.declaration)
    reports = list(iso.reports.order_by("-day", "-slot")[:40])
    referrals = list(iso.referrals.order_by("-created_at"))
    token = request.session.pop("returnee_new_link", None)
    today, slot = services.slot_of()
    return render(
        request,
        "returnees/isolation_detail.html",
        {
            "iso": iso,
            "reports": reports,
            "referrals": referrals,
            **_link_context(token),
            "can": access.isolation_controls(user, iso),
            "can_record_outcome": bool(referrals) and access.may_record_referral_outcome(user, referrals[0]),
            "extend_form": ExtendForm(initial={"new_end_date": iso.end_date}),
            "release_form": ReleaseForm(),
            "phone_form": PhoneReportForm(initial={"day": today, "slot": slot}),
            "outcome_form": OutcomeForm(),
        },
    )


ISOLATION_ACTIONS = {
    "extend": access.may_extend_isolation,
    "release": access.may_release_isolation,
    "reissue": access.may_reissue_link,
    "report": access.may_record_report,
}


def _iso_for_write(request: HttpRequest, pk: int, action: str) -> Isolation:
    """The isolation to act on, when the action's predicate (the one the page asks) allows it; else 404."""
    user = access.returnee_user(request.user)
    allowed = ISOLATION_ACTIONS.get(action)
    iso = get_object_or_404(Isolation.objects.editable_by(user).select_related("declaration"), pk=pk)
    if allowed is None or not allowed(user, iso):
        raise Http404
    return iso


@login_required
@require_POST
def isolation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    iso = _iso_for_write(request, pk, action)
    user = request.user
    try:
        if action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写有效的日期。"))
            services.extend_isolation(
                actor=user,
                isolation=iso,
                new_end_date=form.cleaned_data["new_end_date"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("隔离期已延长。"))
        elif action == "release":
            form2 = ReleaseForm(request.POST)
            if not form2.is_valid():
                raise ValidationError(_("请选择签字解除方：居委会或社区卫生服务中心。"))
            services.release_isolation(
                actor=user,
                isolation=iso,
                signoff_role=form2.cleaned_data["signoff_role"],
                note=form2.cleaned_data["note"],
            )
            messages.success(request, _("已签字解除隔离。"))
        elif action == "reissue":
            request.session["returnee_new_link"] = services.reissue_report_link(actor=user, isolation=iso)
            messages.success(request, _("已重新生成个人上报链接，旧链接作废。"))
        elif action == "report":
            form3 = PhoneReportForm(request.POST)
            if not form3.is_valid():
                raise ValidationError(_("请填写体温、日期和时段。"))
            d = form3.cleaned_data
            result = services.submit_report(
                actor=user,
                isolation=iso,
                temperature=d["temperature"],
                symptoms=d["symptoms"],
                note=d["note"],
                source=ReportSource.PHONE,
                day=d["day"],
                slot=d["slot"],
            )
            messages.success(
                request, _("已录入电话随访。") if result.created else _("该时段已有上报，未重复录入。")
            )
            if result.report.fever:
                messages.warning(request, _("体温达到发热线，已发出预警并登记转诊。"))
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    except ScopeError:
        raise Http404
    return redirect("returnees:isolation_detail", pk=iso.pk)


@login_required
@require_POST
def referral_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.returnee_user(request.user)
    referral = get_object_or_404(Referral.objects.editable_by(user), pk=pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        services.record_referral_outcome(
            actor=user,
            referral=referral,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("已记录转诊结果。"))
    else:
        messages.error(request, _("请选择转诊结果。"))
    if referral.isolation_id:
        return redirect("returnees:isolation_detail", pk=referral.isolation_id)
    return redirect("returnees:board")


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.returnee_user(request.user)
    task = get_object_or_404(FollowUpTask.objects.editable_by(user), pk=pk)
    services.complete_task(actor=user, task=task)
    messages.success(request, _("已标记完成。"))
    return redirect("returnees:board")


# ---------------------------------------------------------------- risk rules


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    from fangkong.core.policies import get_policy
    from fangkong.returnees.rules import default_rules

    user = access.rules_user(request.user)
    today = services.local_now().date()
    rules = list(
        RiskRule.objects.editable_by(user)
        .filter(subdistrict_id=user.subdistrict_id)
        .order_by("-effective_from", "priority", "pk")
    )
    in_force = {spec.id for spec in services.rules_in_force(user.subdistrict_id, today) if spec.id}
    defaults = (
        default_rules(int(get_policy(user.subdistrict_id, "key_area_days", on=today))) if not in_force else []
    )
    return render(
        request,
        "returnees/rule_list.html",
        {"rules": rules, "in_force": in_force, "defaults": defaults, "today": today},
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = access.rules_user(request.user)
    if pk is None:
        rule = RiskRule(subdistrict_id=user.subdistrict_id)
    else:
        rule = get_object_or_404(
            RiskRule.objects.editable_by(user).filter(subdistrict_id=user.subdistrict_id), pk=pk
        )
    form = RiskRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if pk is not None and form.cleaned_data.get("version"):
            obj.version = form.cleaned_data["version"]
        try:
            services.save_risk_rule(actor=user, rule=obj)
        except ValidationError as exc:  # a ConflictError too
            add_form_errors(form, exc)
        except ScopeError:
            raise Http404
        else:
            messages.success(request, _("已保存风险规则：%(name)s。") % {"name": obj.name})
            return redirect("returnees:rule_list")
    return render(request, "returnees/rule_form.html", {"form": form, "rule": rule})


# ---------------------------------------------------------------- venues


@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    user = access.venue_user(request.user)
    venues = Venue.objects.visible_to(user).select_related("neighborhood").order_by("name")
    candidates = selectors.venue_candidates(user)
    return render(request, "returnees/venue_list.html", {"venues": venues, "candidates": candidates})


@login_required
@require_POST
def venue_create(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Compound, Organization, Premises

    user = access.venue_user(request.user)
    kind, pk = request.POST.get("kind"), _int(request.POST.get("pk"))
    if kind == "org":
        target = get_object_or_404(Organization.objects.editable_by(user), pk=pk)
        venue = services.ensure_venue(actor=user, organization=target)
    elif kind == "premises":
        target2 = get_object_or_404(Premises.objects.editable_by(user), pk=pk)
        venue = services.ensure_venue(actor=user, premises=target2)
    elif kind == "compound":
        gate = get_object_or_404(Compound.objects.editable_by(user), pk=pk)
        venue = services.ensure_venue(actor=user, compound=gate)
    else:
        raise Http404
    return redirect("returnees:venue_detail", pk=venue.pk)


@login_required
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.venue_user(request.user)
    venue = get_object_or_404(Venue.objects.visible_to(user), pk=pk)
    shift_form = ShiftForm(request.POST or None)
    can_edit = access.may_edit_venue(user, venue)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if shift_form.is_valid():
            d = shift_form.cleaned_data
            try:
                services.log_shift_temperature(
                    actor=user,
                    venue=venue,
                    name=d["name"],
                    id_number=d["id_number"],
                    doc_type=d["doc_type"],
                    temperature=d["temperature"],
                    submission_id=d["submission_id"],
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, _("已记录上岗测温。"))
                return redirect("returnees:venue_detail", pk=venue.pk)
    visits = VenueVisit.objects.filter(venue=venue).order_by("-at")
    page = Paginator(visits, 50).get_page(request.GET.get("page"))
    services.record_list_read(
        actor=user,
        listed=_("%(venue)s 健康登记 第%(n)d页") % {"venue": venue.name, "n": page.number},
        object_type="returnees.venuevisit",
        ids=[v.pk for v in page],
        filters={"venue": venue.pk, "page": page.number},
    )
    return render(
        request,
        "returnees/venue_detail.html",
        {
            "venue": venue,
            "page": page,
            "can_edit": can_edit,
            "shift_form": shift_form,
            "suspend_form": SuspendForm(
                initial={
                    "from_date": venue.visits_suspended_from,
                    "until": venue.visits_suspended_until,
                    "note": venue.suspension_note,
                }
            ),
            "public_url": public_url("returnees:checkin", venue.code),
        },
    )


@login_required
@require_POST
def venue_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.venue_user(request.user)
    venue = get_object_or_404(Venue.objects.editable_by(user), pk=pk)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.suspend_visits(
                actor=user,
                venue=venue,
                from_date=form.cleaned_data["from_date"],
                until=form.cleaned_data["until"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已更新探视安排。"))
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("日期不正确。"))
    return redirect("returnees:venue_detail", pk=venue.pk)


@login_required
def venue_poster(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.venue_user(request.user)
    venue = get_object_or_404(Venue.objects.visible_to(user), pk=pk)
    url = public_url("returnees:checkin", venue.code)
    line = services.fever_line(venue.subdistrict_id, services.local_now().date())
    # scale=1 draws the code with a viewBox and no fixed size, so the poster's CSS sizes and centres it.
    context = {"venue": venue, "svg": qr_svg_inline(url, scale=1), "url": url, "fever_line": line}
    return render(request, "returnees/venue_poster.html", context)


@login_required
def declaration_poster(request: HttpRequest) -> HttpResponse:
    """An A4 poster for a neighborhood: its name, the QR code of the public declaration form (opening on that
    neighborhood) and one line of instructions. Staff pick among the neighborhoods they see."""
    from fangkong.registry.models import Neighborhood

    user = access.returnee_user(request.user)
    hoods = list(Neighborhood.objects.visible_to(user).select_related("subdistrict").order_by("code", "name"))
    if not hoods:
        raise Http404
    picked = _int(request.GET.get("hood"))
    hood = next((h for h in hoods if h.pk == picked), hoods[0])
    url = public_url("returnees:public_declare", hood.subdistrict_id) + f"?n={hood.pk}"
    return render(
        request,
        "returnees/declaration_poster.html",
        {"hood": hood, "hoods": hoods, "url": url, "svg": qr_svg_inline(url, scale=1)},
    )


# ---------------------------------------------------------------- public pages


@ratelimit.limit("returnees.declare", methods=("POST",), key=ratelimit.field("id_number"))
@personal_post
def public_declare(request: HttpRequest, subdistrict_id: int) -> HttpResponse:
    from fangkong.registry.models import SubDistrict

    sub = get_object_or_404(SubDistrict, pk=subdistrict_id)
    # A neighborhood's poster links here with ?n=<neighborhood>: the form opens on that neighborhood.
    initial = {"neighborhood": _int(request.GET.get("n"))} if request.GET.get("n") else {}
    form = PublicDeclarationForm(request.POST or None, subdistrict=sub, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.declare_return(actor=None, data=form.to_input(), source=Source.PUBLIC)
        except ValidationError as exc:
            add_form_errors(form, exc, fields=DeclarationForm.service_fields)
        else:
            if result.received_for_review:
                # A repeat of a declared trip: nothing about the existing record (no risk, dates or link).
                return render(request, "returnees/public_declared.html", {"received": True, "sub": sub})
            return render(
                request,
                "returnees/public_declared.html",
                {
                    "created": result.created,
                    "level": result.declaration.get_risk_level_display(),
                    "action": result.declaration.get_risk_action_display(),
                    "sub": sub,
                    "isolation": result.isolation,
                    **_link_context(result.token),
                },
            )
    return render(request, "returnees/public_declare.html", {"form": form, "sub": sub})


def public_compounds(request: HttpRequest, subdistrict_id: int) -> HttpResponse:
    """htmx partial of the public form: the <option>s of the compounds of a neighborhood (names only), and an
    out-of-band reset of the building list."""
    from fangkong.registry.models import Compound, SubDistrict

    sub = get_object_or_404(SubDistrict, pk=subdistrict_id)
    options = place_options(Compound, sub.pk, neighborhood_id=_int(request.GET.get("neighborhood")))
    return render(request, "returnees/_place_options.html", {"options": options, "reset_buildings": True})


def public_buildings(request: HttpRequest, subdistrict_id: int) -> HttpResponse:
    """htmx partial of the public form: the <option>s of the buildings of a compound in the picked
    neighborhood (names only)."""
    from fangkong.registry.models import Building, SubDistrict

    sub = get_object_or_404(SubDistrict, pk=subdistrict_id)
    options = place_options(
        Building,
        sub.pk,
        neighborhood_id=_int(request.GET.get("neighborhood")),
        compound_id=_int(request.GET.get("compound")),
    )
    return render(request, "returnees/_place_options.html", {"options": options})


@ratelimit.limit("returnees.report", key=lambda request, token: token)
def public_report(request: HttpRequest, token: str) -> HttpResponse:
    iso = services.isolation_for_token(token)
    if iso is None:
        raise Http404
    form = ReportForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.submit_report(
                actor=None,
                isolation=iso,
                temperature=d["temperature"],
                symptoms=d["symptoms"],
                note=d["note"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc, fields={"__all__": "temperature"})
        else:
            form = ReportForm()
    today, slot = services.slot_of()
    done = set(HealthReport.objects.filter(isolation=iso, day=today).values_list("slot", flat=True))
    return render(
        request,
        "returnees/public_report.html",
        {
            "iso": iso,
            "form": form,
            "result": result,
            "today": today,
            "slot": slot,
            "done": done,
            "first_name": iso.declaration.name[:1],
        },
    )


@ratelimit.limit("returnees.venue", methods=("POST",), key=ratelimit.field("phone"))
@personal_post
def public_checkin(request: HttpRequest, code: str) -> HttpResponse:
    venue = services.venue_for_code(code)
    if venue is None:
        raise Http404
    today = services.local_now().date()
    if venue.visits_suspended_on(today):
        return render(
            request, "returnees/public_checkin.html", {"venue": venue, "suspended": True}, status=200
        )
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.register_visit(
                actor=None,
                venue=venue,
                name=d["name"],
                phone=d["phone"],
                temperature=d["temperature"],
                key_area_14d=d["key_area_14d"],
                submission_id=d["submission_id"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return render(
                request, "returnees/public_checkin_done.html", {"venue": venue, "visit": result.visit}
            )
    return render(request, "returnees/public_checkin.html", {"venue": venue, "form": form})
