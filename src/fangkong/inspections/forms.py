from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.inspections.choices import CallOutcome, Department, FindingKind, FirmStatus
from fangkong.inspections.models import Application, ExemptCategory, Visit, ZoneRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # type=date takes ISO days only


class FirmForm(forms.Form):
    """An on-site finding (or a firm added by hand) that is not in the census."""

    name = forms.CharField(label=_("单位名称"), max_length=120)
    address = forms.CharField(label=_("地址"), max_length=200, help_text=_("道路和门牌号，如 万安路123号"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    industry_code = forms.CharField(label=_("行业代码"), max_length=5, required=False)
    legal_rep = forms.CharField(label=_("法定代表人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    employees = forms.IntegerField(label=_("从业人员"), min_value=0, required=False)
    neighborhood: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("居民区"), queryset=None, required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from fangkong.core import scope
        from fangkong.registry.models import Neighborhood

        super().__init__(*args, **kwargs)
        field: Any = self.fields["neighborhood"]
        field.queryset = Neighborhood.objects.visible_to(user).order_by("code", "name")
        if scope.neighborhoods_of(user) is not None:
            field.required = True


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("改为"), choices=FirmStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class ApplicationForm(forms.ModelForm):
    client_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Application
        fields = [
            "planned_date",
            "prevention_plan",
            "health_register",
            "returnees_screened",
            "disinfection",
            "supplies",
            "no_large_meetings",
            "note",
        ]
        widgets = {"planned_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            import secrets

            self.initial.setdefault("planned_date", timezone.localdate())
            self.initial["client_token"] = secrets.token_urlsafe(16)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核"), choices=[("approve", _("批准")), ("return", _("退回"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("审核意见"), max_length=300, required=False)


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结果"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ZoneRuleForm(forms.ModelForm):
    class Meta:
        model = ZoneRule
        fields = ["road", "from_number", "to_number", "parity", "zone", "note"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from fangkong.registry.models import PatrolZone

        super().__init__(*args, **kwargs)
        field: Any = self.fields["zone"]
        field.queryset = PatrolZone.objects.visible_to(user).order_by("name")


class ExemptForm(forms.ModelForm):
    class Meta:
        model = ExemptCategory
        fields = ["kind", "name", "industry_prefixes"]
        help_texts = {"industry_prefixes": _("GB/T 4754 代码前缀，逗号分隔，如 F52,H62,C27")}


class PlaceForm(forms.Form):
    """One place of the 四进 checklist: seen, what was found, and a photo (resized on the phone)."""

    seen = forms.BooleanField(label=_("已进入查看"), required=False)
    finding = forms.CharField(
        label=_("发现情况"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo_data = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4_000_000)


class ChecksForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["entry_registration", "disinfection", "forms_handed", "notices_posted"]
        widgets = {
            "forms_handed": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "notices_posted": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["open_early", "dissuaded", "signature", "note"]
        help_texts = {"dissuaded": _("劝阻停工时须记录企业签字或拒签")}


class EscalateForm(forms.Form):
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("负责人"), queryset=None)
    deadline = forms.DateField(label=_("整改期限"), widget=DATE)
    reason = forms.CharField(label=_("移交原因"), max_length=300)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from django.contrib.auth import get_user_model

        from fangkong.core.choices import Role

        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        field.queryset = (
            get_user_model()
            .objects.filter(
                subdistrict_id=getattr(user, "subdistrict_id", None) or 0,
                is_active=True,
                role__in=(Role.HQ, Role.OFFICE),
            )
            .order_by("pk")
        )


class TeamForm(forms.Form):
    zone: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("巡查片区"), queryset=None)
    name = forms.CharField(
        label=_("名称"), max_length=60, required=False, help_text=_("留空则为“片区名+巡察队”")
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from fangkong.registry.models import PatrolZone

        super().__init__(*args, **kwargs)
        field: Any = self.fields["zone"]
        field.queryset = PatrolZone.objects.visible_to(user).filter(patrol_team__isnull=True).order_by("name")


class MemberForm(forms.Form):
    department = forms.ChoiceField(label=_("所属部门"), choices=Department.choices)
    name = forms.CharField(
        label=_("姓名"), max_length=50, required=False, help_text=_("市场监管、城管人员填写姓名")
    )
    cadre: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("下沉干部"), queryset=None, required=False, help_text=_("下沉干部从名册中选择")
    )
    leader = forms.BooleanField(label=_("队长"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from fangkong.registry.models import SupportCadre

        super().__init__(*args, **kwargs)
        field: Any = self.fields["cadre"]
        field.queryset = SupportCadre.objects.visible_to(user).order_by("name", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("cadre") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("请填写姓名或选择下沉干部。"))
        return data


class ShiftsForm(forms.Form):
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=31, initial=7)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("start_date", timezone.localdate())


class RoundForm(forms.Form):
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("巡察队"), queryset=None)
    day = forms.DateField(label=_("日期"), widget=DATE)
    route = forms.CharField(
        label=_("巡察路线"), max_length=300, help_text=_("途经的道路和小区，如 万安路、东体育会路、XX小区")
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        import secrets

        from fangkong.inspections.models import PatrolTeam

        super().__init__(*args, **kwargs)
        field: Any = self.fields["team"]
        field.queryset = PatrolTeam.objects.visible_to(user).order_by("name", "pk")
        if not self.is_bound:
            self.initial.setdefault("day", timezone.localdate())
            self.initial["client_token"] = secrets.token_urlsafe(16)


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("发现类型"), choices=[("", "—"), *FindingKind.choices], required=False)
    place = forms.CharField(label=_("地点（地址）"), max_length=200, required=False)
    name = forms.CharField(
        label=_("企业名称"),
        max_length=120,
        required=False,
        help_text=_("名录外企业填名称；提前开工填名称或信用代码"),
    )
    text = forms.CharField(label=_("情况"), max_length=300, required=False)
