"""Pages of the inspections app: the firm list and page (status, transitions, applications), on-site
findings, the application queue, the daily call list, the duplicate review and the boundary and exempt
rows. Every read goes through ``visible_to`` or a selector that takes the user (404 out of scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.links import public_url
from fangkong.core.qr import qr_svg_inline
from fangkong.inspections import access, machine, selectors, services
from fangkong.inspections.choices import ApplicationChannel, CaseOutcome, FirmSource, FirmStatus
from fangkong.inspections.forms import (
    ApplicationForm,
    CallForm,
    DecisionForm,
    EscalateForm,
    ExemptForm,
    FirmForm,
    StatusForm,
    ZoneRuleForm,
)
from fangkong.inspections.models import Application, DuplicatePair, ExemptCategory, Firm, ZoneRule


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


def _firm(request: HttpRequest, pk: int) -> Firm:
    access.firm_user(request.user)
    return get_object_or_404(selectors.firms(request.user), pk=pk)


@login_required
def firm_list(request: HttpRequest) -> HttpResponse:
    user = access.firm_user(request.user)
    from fangkong.registry.models import PatrolZone

    q = request.GET.get("q", "").strip()[:60]
    status = request.GET.get("status", "")
    zone = request.GET.get("zone", "")
    qs = selectors.firm_list(user, q=q, status=status, zone=zone, premises=request.GET.get("premises", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/firm_list.html",
        _ctx(
            request,
            page=page,
            q=q,
            status=status,
            zone=zone,
            statuses=FirmStatus.choices,
            zones=list(PatrolZone.objects.visible_to(user).order_by("name")),
            counts=selectors.status_counts(user),
        ),
    )


@login_required
def firm_new(request: HttpRequest) -> HttpResponse:
    user = access.firm_user(request.user)
    if not access.may_add_firm(user):
        raise Http404
    form = FirmForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hood = data.get("neighborhood")
        try:
            firm = services.add_firm(
                actor=user,
                subdistrict_id=hood.subdistrict_id if hood else user.subdistrict_id,
                name=data["name"],
                address=data["address"],
                credit_code=data.get("credit_code") or "",
                industry_code=data.get("industry_code") or "",
                legal_rep=data.get("legal_rep") or "",
                contact_phone=data.get("contact_phone") or "",
                employees=data.get("employees"),
                source=FirmSource.ON_SITE,
                neighborhood_id=hood.pk if hood else None,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except ScopeError:
            form.add_error(None, _("不在您的管辖范围内。"))
        else:
            messages.success(request, _("已添加现场发现的企业：%(name)s。") % {"name": firm})
            return redirect("inspections:firm_detail", pk=firm.pk)
    return render(request, "inspections/firm_form.html", _ctx(request, form=form))


LINK_SESSION_KEY = "inspections_new_link"


def _link_context(request: HttpRequest, firm: Firm) -> dict[str, Any]:
    """The public application link just issued for this firm (shown once) and its QR code."""
    issued = request.session.pop(LINK_SESSION_KEY, None)
    if not issued or issued.get("firm") != firm.pk:
        return {"link": None}
    link = public_url("inspections:public_apply", issued["token"])
    return {"link": link, "link_qr": qr_svg_inline(link, scale=1)}


@login_required
def firm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    controls = access.firm_controls(request.user, firm)
    return render(
        request,
        "inspections/firm_detail.html",
        _ctx(
            request,
            firm=firm,
            controls=controls,
            next_statuses=[
                (s, FirmStatus(s).label, machine.TRANSITIONS[(firm.status, s)]) for s in controls["statuses"]
            ],
            all_next=[FirmStatus(s).label for s in machine.next_statuses(firm.status)],
            call_form=CallForm(),
            escalate_form=EscalateForm(user=request.user) if controls["escalate"] else None,
            **_link_context(request, firm),
            **selectors.firm_detail(request.user, firm),
        ),
    )


@login_required
@require_POST
def firm_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue (or replace) the firm's public application link; the firm page shows it once with its QR."""
    firm = _firm(request, pk)
    if not access.may_issue_link(request.user, firm):
        raise Http404
    token = services.issue_application_link(actor=request.user, firm=firm)
    request.session[LINK_SESSION_KEY] = {"firm": firm.pk, "token": token}
    messages.success(request, _("已生成复工申请链接，旧链接作废。"))
    return redirect("inspections:firm_detail", pk=firm.pk)


@login_required
def firm_staff(request: HttpRequest, pk: int) -> HttpResponse:
    """The firm's staff declarations (返沪申报 naming it as employer): its contact and the office."""
    firm = _firm(request, pk)
    user = access.staff_user(request.user, firm)
    return render(
        request,
        "inspections/firm_staff.html",
        _ctx(request, firm=firm, rows=selectors.staff_declarations(user, firm), today=timezone.localdate()),
    )


@login_required
@require_POST
def firm_status(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    if not access.may_set_status(request.user, firm):
        raise Http404
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_status(
                actor=request.user, firm=firm, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("已更新复工状态。"))
    else:
        messages.error(request, _("请选择新的状态。"))
    return redirect("inspections:firm_detail", pk=firm.pk)


@login_required
def firm_apply(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    if not access.may_apply(request.user, firm):
        raise Http404
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        channel = (
            ApplicationChannel.CONTACT if access.flags(request.user)["contact"] else ApplicationChannel.STAFF
        )
        try:
            services.apply_for_resumption(
                actor=request.user,
                firm=firm,
                planned_date=data["planned_date"],
                checklist={name: data.get(name, False) for name in Application.CHECKLIST},
                note=data.get("note") or "",
                channel=channel,
                client_token=data.get("client_token") or "",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("已提交复工申请，等待社区发展办审核。"))
            return redirect("inspections:firm_detail", pk=firm.pk)
    return render(request, "inspections/apply_form.html", _ctx(request, form=form, firm=firm))


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    user = access.manager(request.user)
    page = Paginator(selectors.pending_applications(user), 50).get_page(request.GET.get("page"))
    return render(request, "inspections/application_list.html", _ctx(request, page=page, form=DecisionForm()))


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.manager(request.user)
    application = get_object_or_404(Application.objects.visible_to(user), pk=pk)
    if not access.may_decide(user, application):
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_application(
                actor=user,
                application=application,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("已审核。"))
    else:
        messages.error(request, _("请选择批准或退回。"))
    return redirect("inspections:application_list")


def _day(text: str | None) -> dt.date:
    try:
        return selectors.bounded_day(dt.date.fromisoformat(text or ""))
    except ValueError:
        return timezone.localdate()


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    user = access.manager(request.user)
    day = _day(request.GET.get("day"))
    data = selectors.call_list(
        user,
        day=day,
        mine=request.GET.get("mine") == "1",
        show=request.GET.get("show", ""),
        page=int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1,
    )
    return render(
        request,
        "inspections/call_list.html",
        _ctx(request, data=data, today=day == timezone.localdate(), form=CallForm()),
    )


@login_required
@require_POST
def call_record(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    if not access.may_call(request.user, firm):
        raise Http404
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            services.record_call(
                actor=request.user,
                firm=firm,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("已记录：%(name)s。") % {"name": firm})
    else:
        messages.error(request, _("请选择通话结果。"))
    target = request.POST.get("next", "")
    if target == "detail":
        return redirect("inspections:firm_detail", pk=firm.pk)
    return redirect("inspections:call_list")


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user = access.manager(request.user)
    page = Paginator(selectors.duplicates(user), 50).get_page(request.GET.get("page"))
    return render(request, "inspections/duplicate_list.html", _ctx(request, page=page))


@login_required
@require_POST
def duplicate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.manager(request.user)
    pair = get_object_or_404(DuplicatePair.objects.editable_by(user), pk=pk)
    try:
        services.decide_duplicate(actor=user, pair=pair, merge=request.POST.get("merge") == "1")
    except ValidationError as exc:
        flash_errors(request, exc)
    except ScopeError:
        raise Http404
    else:
        messages.success(request, _("已核对。"))
    return redirect("inspections:duplicate_list")


@login_required
def boundary(request: HttpRequest) -> HttpResponse:
    """The zone boundary rows and the exempt categories of the user's sub-district, with forms to add."""
    user = access.manager(request.user)
    rule_form = ZoneRuleForm(request.POST if request.POST.get("form") == "rule" else None, user=user)
    exempt_form = ExemptForm(request.POST if request.POST.get("form") == "exempt" else None)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "rule" and rule_form.is_valid():
                rule = rule_form.save(commit=False)
                rule.subdistrict_id = user.subdistrict_id
                services.save_zone_rule(actor=user, rule=rule)
                messages.success(request, _("已添加片区划分规则。"))
                return redirect("inspections:boundary")
            if request.POST.get("form") == "exempt" and exempt_form.is_valid():
                category = exempt_form.save(commit=False)
                category.subdistrict_id = user.subdistrict_id
                services.save_exempt_category(actor=user, category=category)
                messages.success(request, _("已添加豁免类别。"))
                return redirect("inspections:boundary")
            if request.POST.get("form") == "remap":
                n = services.remap_zones(actor=user, subdistrict_id=user.subdistrict_id)
                messages.success(request, _("已重新划分片区：%(n)d 家企业变更。") % {"n": n})
                return redirect("inspections:boundary")
        except ValidationError as exc:
            add_form_errors(rule_form if request.POST.get("form") == "rule" else exempt_form, exc)
    return render(
        request,
        "inspections/boundary.html",
        _ctx(
            request,
            rules=ZoneRule.objects.visible_to(user)
            .select_related("zone")
            .order_by("road", "from_number", "pk"),
            categories=ExemptCategory.objects.visible_to(user).order_by("kind", "name"),
            rule_form=rule_form,
            exempt_form=exempt_form,
        ),
    )


# ---------------------------------------------------------------- supervision cases (专项督查组)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = access.manager(request.user)
    page = Paginator(selectors.cases(user, show=request.GET.get("show", "open")), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inspections/case_list.html",
        _ctx(request, page=page, show=request.GET.get("show", "open"), today=timezone.localdate()),
    )


@login_required
@require_POST
def firm_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request, pk)
    if not access.may_escalate(request.user, firm):
        raise Http404
    form = EscalateForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            case = services.escalate_firm(
                actor=request.user,
                firm=firm,
                owner=form.cleaned_data["owner"],
                deadline=form.cleaned_data["deadline"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("已移交专项督查组。"))
            return redirect("inspections:case_detail", pk=case.pk)
    else:
        messages.error(request, _("请填写负责人、整改期限和移交原因。"))
    return redirect("inspections:firm_detail", pk=firm.pk)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.manager(request.user)
    case = get_object_or_404(selectors.cases(user, show="all"), pk=pk)
    if request.method == "POST":
        if not access.may_work_case(user, case):
            raise Http404
        try:
            if request.POST.get("form") == "close":
                services.close_case(
                    actor=user,
                    case=case,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", "")[:300],
                )
                messages.success(request, _("案件已结案。"))
            else:
                services.add_case_action(actor=user, case=case, text=request.POST.get("text", "")[:300])
                messages.success(request, _("已记录措施。"))
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("inspections:case_detail", pk=case.pk)
    return render(
        request,
        "inspections/case_detail.html",
        _ctx(
            request,
            case=case,
            actions=list(case.actions.select_related("actor").order_by("at", "pk")),
            may_work=access.may_work_case(user, case),
            outcomes=[(v, label) for v, label in CaseOutcome.choices if v != CaseOutcome.OPEN],
            today=timezone.localdate(),
        ),
    )


COUNTS_DAYS = selectors.COUNTS_DAYS


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    """Per day, zone and premises: visits, firms checked, early openings, dissuasions, forms, notices; calls
    made and firms missed per day (the last COUNTS_DAYS days)."""
    user = access.counts_user(request.user)
    end = _day(request.GET.get("day"))
    start = end - dt.timedelta(days=COUNTS_DAYS - 1)
    missed_rows = selectors.missed_by_zone(user, start=start, end=end)
    return render(
        request,
        "inspections/counts.html",
        _ctx(
            request,
            start=start,
            end=end,
            totals=selectors.visit_totals(user),
            visit_rows=selectors.visit_counts(user, start=start, end=end),
            call_rows=selectors.call_counts(user, start=start, end=end),
            missed=selectors.missed_totals(missed_rows, start=start, end=end),
            missed_rows=missed_rows,
            statuses=[(FirmStatus(s).label, n) for s, n in selectors.status_counts(user).items()],
        ),
    )


@login_required
def export_list(request: HttpRequest, kind: str) -> HttpResponse:
    """A list as xlsx (firms, visits, calls, cases, patrol rounds), scoped like its page; audited."""
    import io

    from fangkong.inspections import exports

    spec = exports.LISTS.get(kind)
    if spec is None:
        raise Http404
    user = spec.gate(request.user)
    buffer = io.BytesIO()
    exports.write_list(buffer, user, kind, _day(request.GET.get("day")))
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''inspections-{kind}.xlsx"
    return response
