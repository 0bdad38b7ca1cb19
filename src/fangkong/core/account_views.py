"""Account pages for HQ: the sub-district's accounts, create, edit (role, neighborhoods, domains, reveal
right, new password), deactivate or reactivate, and unlock (``core.views.account_unlock``). Every change goes
through an audited service in ``core.services``; running a sub-district needs no Django admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core import services
from fangkong.core.choices import Domain, Role
from fangkong.core.errors import add_form_errors, error_text
from fangkong.core.models import User


class AccountForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, required=False)
    role = forms.ChoiceField(label=gettext_lazy("角色"))
    neighborhoods = forms.ModelMultipleChoiceField(
        label=gettext_lazy("居民区"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("居委工作人员必选；下沉干部可另行授权。"),
    )
    domains = forms.MultipleChoiceField(
        label=gettext_lazy("负责领域"),
        choices=Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("职能科室必选。"),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("所属单位"),
        queryset=User.objects.none(),
        required=False,
        help_text=gettext_lazy("单位联系人必选。"),
    )
    may_reveal_personal_data = forms.BooleanField(label=gettext_lazy("可查看个人信息明文"), required=False)
    password = forms.CharField(
        label=gettext_lazy("初始密码"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
    )

    def __init__(self, *args: Any, actor: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [(value, label) for value, label in Role.choices if value in services.ACCOUNT_ROLES]
        self.fields["role"].choices = [("", "---------"), *roles]  # type: ignore[attr-defined]
        self.fields["neighborhoods"].queryset = services._account_related(  # type: ignore[attr-defined]
            actor, "neighborhoods"
        ).order_by("code")
        self.fields["organization"].queryset = services._account_related(  # type: ignore[attr-defined]
            actor, "organization"
        ).order_by("name")
        if account is None:
            self.fields["password"].required = True
        else:
            del self.fields["username"]
            self.fields["password"].label = gettext_lazy("重置密码")
            self.fields["password"].help_text = gettext_lazy("留空则不修改。")


def _manager(request: HttpRequest) -> Any:
    if not services.may_manage_accounts(request.user):
        raise Http404
    return request.user


def _account(request: HttpRequest, pk: int) -> User:
    actor = _manager(request)
    account = get_object_or_404(User, pk=pk, subdistrict_id=actor.subdistrict_id)
    if not services.may_manage_account(actor, account):
        raise Http404
    return account


def _locked_usernames(usernames: list[str]) -> set[str]:
    """The usernames among ``usernames`` under a sign-in lock now (from any address)."""
    from fangkong.core.models import LoginFailure

    now = timezone.now()
    rows = LoginFailure.objects.filter(username__in=usernames, locked_until__gt=now)
    locked = set(rows.values_list("username", flat=True))
    locked |= set(
        User.objects.filter(username__in=usernames, locked_until__gt=now).values_list("username", flat=True)
    )
    return locked


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    qs = User.objects.filter(subdistrict_id=actor.subdistrict_id).prefetch_related("neighborhoods")
    role = request.GET.get("role", "")
    if role in Role.values:
        qs = qs.filter(role=role)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = Paginator(qs.order_by("role", "username"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/accounts.html",
        {
            "page": page,
            "roles": [(v, label) for v, label in Role.choices if v in services.ACCOUNT_ROLES],
            "role": role,
            "q": q,
            "locked": _locked_usernames([u.username for u in page]),
        },
    )


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = AccountForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            account = services.create_account(
                actor=actor,
                username=d["username"],
                password=d["password"],
                role=d["role"],
                display_name=d["display_name"],
                neighborhoods=list(d["neighborhoods"]),
                domains=d["domains"],
                organization=d["organization"],
                may_reveal_personal_data=d["may_reveal_personal_data"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("已创建账号 %(u)s。") % {"u": account.username})
            return redirect("account_edit", pk=account.pk)
    return render(request, "core/account_form.html", {"form": form, "account": None})


@login_required
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    actor = request.user
    initial = {
        "display_name": account.display_name,
        "role": account.role,
        "neighborhoods": list(account.neighborhoods.all()),
        "domains": list(account.domains or []),
        "organization": account.organization_id,
        "may_reveal_personal_data": account.may_reveal_personal_data,
    }
    form = AccountForm(request.POST or None, actor=actor, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_account(
                actor=actor,
                user=account,
                role=d["role"],
                display_name=d["display_name"],
                neighborhoods=list(d["neighborhoods"]),
                domains=d["domains"],
                organization=d["organization"],
                may_reveal_personal_data=d["may_reveal_personal_data"],
                password=d["password"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("账号已保存。"))
            return redirect("account_edit", pk=account.pk)
    locked = bool(_locked_usernames([account.username]))
    return render(
        request,
        "core/account_form.html",
        {
            "form": form,
            "account": account,
            "locked": locked,
            "may_unlock": services.may_unlock_account(actor, account),
            "is_self": account.pk == actor.pk,
        },
    )


@login_required
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_account_active(actor=request.user, user=account, active=active)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    return redirect("account_edit", pk=account.pk)
