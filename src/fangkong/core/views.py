from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from fangkong.core import audit, ratelimit, services
from fangkong.core.choices import AuditAction, Role
from fangkong.core.models import AuditEvent
from fangkong.core.navigation import home_panels
from fangkong.core.scope import scope_for

PERSONAL_FIELDS = {"id_number", "phone", "contact_phone"}
AUDIT_ROLES: set[str] = {Role.HQ, Role.STAFF, Role.AUDITOR, Role.DISTRICT_VIEWER}


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


class LoginForm(AuthenticationForm):
    # One answer for a wrong password, an unknown username and a locked (username, address): the page
    # must not tell anyone which usernames exist or which are locked.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _lazy("用户名或密码不正确。多次失败后，需等待一段时间才能再试。"),
        "inactive": _lazy("用户名或密码不正确。多次失败后，需等待一段时间才能再试。"),
    }


@method_decorator(
    ratelimit.limit("accounts.login", methods=("POST",), key=ratelimit.field("username")), name="dispatch"
)
class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        locked = getattr(self.request, "fangkong_address_locked_until", None)
        response = super().form_invalid(form)
        if locked:
            # The address is throttled (too many failures over any usernames): says nothing about accounts.
            minutes = max(1, int((locked - timezone.now()).total_seconds() + 59) // 60)
            form.errors.clear()
            form.add_error(None, _("登录尝试过于频繁，请 %(m)d 分钟后再试。") % {"m": minutes})
            response = super().form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(minutes * 60)
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    reads_audit = user.is_superuser or user.role in AUDIT_ROLES
    # An auditor's day is the audit log: its latest entries first, with today's count linked to today's log.
    auditor = user.role == Role.AUDITOR and not user.is_superuser
    events = AuditEvent.objects.visible_to(user)
    today = timezone.localdate()
    context = {
        "scope": scope_for(user),
        "role_label": Role(user.role).label if not user.is_superuser else _("超级管理员"),
        "panels": home_panels(request),
        "recent_audit": events.select_related("actor")[: 20 if auditor else 8] if reads_audit else [],
        "audit_first": auditor,
        "audit_today": events.filter(at__date=today).count() if auditor else None,
        "today": today,
    }
    return render(request, "core/home.html", context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.role in AUDIT_ROLES):
        raise Http404
    qs = AuditEvent.objects.visible_to(user).select_related("actor", "neighborhood")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        qs = qs.filter(action=action)
    object_type = request.GET.get("object_type", "").strip()
    if object_type:
        qs = qs.filter(object_type=object_type)
    actor = request.GET.get("actor", "").strip()
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    status = 200
    for name, lookup in (("since", "at__date__gte"), ("until", "at__date__lte")):
        raw = request.GET.get(name, "").strip()
        if not raw:
            continue
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("日期格式无效，请按 2020-02-01 的格式填写。"))
            status = 400
            continue
        qs = qs.filter(**{lookup: day})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    types = (
        AuditEvent.objects.visible_to(user)
        .values_list("object_type", flat=True)
        .distinct()
        .order_by("object_type")
    )
    type_choices = sorted(((t, audit.type_label(t)) for t in types), key=lambda pair: pair[1])
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "rows": [audit.describe(e) for e in page],
            "actions": AuditAction.choices,
            "types": type_choices,
            "filters": request.GET,
        },
        status=status,
    )


@login_required
@require_POST
def reveal(request: HttpRequest, label: str, pk: int, field: str) -> HttpResponse:
    if field not in PERSONAL_FIELDS:
        raise Http404
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404
    if not hasattr(model.objects, "visible_to") or not hasattr(model, f"{field}_enc"):
        raise Http404
    obj = model.objects.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        # Out of scope or missing: the same 404 as ever, and the attempt is in the audit log.
        audit.record(
            actor=request.user,
            action=AuditAction.REVEAL,
            object_type=model._meta.label_lower,
            object_id=pk,
            changes={"field": field, "denied": True},
            note="查看明文被拒绝：记录不存在或不在权限范围",
        )
        raise Http404
    try:
        value = services.reveal_personal(actor=request.user, obj=obj, field=field)
    except PermissionError:
        messages.error(request, _("您没有查看明文的权限。"))
        return HttpResponse(_("无权查看"), status=403)
    return render(request, "core/_revealed.html", {"value": value})


@login_required
def policies(request: HttpRequest) -> HttpResponse:
    """The HQ's policy settings per period; other roles may read their sub-district's values."""
    from fangkong.core.forms import PolicyForm
    from fangkong.core.models import Policy
    from fangkong.core.policies import DEFAULTS, LABELS, display_value, get_policy

    user = request.user
    scope = scope_for(user)
    if not user.subdistrict_id or not (scope.everything or user.subdistrict_id in scope.subdistrict_ids):
        raise Http404
    can_edit = user.is_superuser or user.role == Role.HQ
    form = PolicyForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            services.set_policy(
                actor=user,
                subdistrict_id=user.subdistrict_id,
                key=form.cleaned_data["key"],
                value=form.cleaned_data["value"],
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("政策已保存。"))
            return redirect("policies")
    current = [
        {
            "key": k,
            "label": LABELS[k],
            "value": display_value(k, get_policy(user.subdistrict_id, k)),
            "default": display_value(k, DEFAULTS[k]),
        }
        for k in DEFAULTS
    ]
    history = [
        {"label": LABELS.get(p.key, p.key), "value": display_value(p.key, p.value), "policy": p}
        for p in Policy.objects.filter(subdistrict_id=user.subdistrict_id).order_by("key", "-effective_from")
    ]
    return render(
        request,
        "core/policies.html",
        {"current": current, "history": history, "form": form, "can_edit": can_edit},
    )


@login_required
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """HQ lifts an account's sign-in locks (POST only; the account pages show the button)."""
    from django.contrib.auth import get_user_model
    from django.utils.http import url_has_allowed_host_and_scheme

    target = get_object_or_404(get_user_model(), pk=pk)
    if not services.may_unlock_account(request.user, target):
        raise Http404
    services.unlock_account(actor=request.user, user=target)
    messages.success(request, _("已解除 %(u)s 的登录锁定。") % {"u": target.username})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    return redirect(next_url or "home")
