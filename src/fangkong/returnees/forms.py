from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import DocumentType
from fangkong.returnees import regions
from fangkong.returnees.choices import IsolationMode, ReferralOutcome, SignoffRole, Slot, Transport
from fangkong.returnees.models import RiskRule
from fangkong.returnees.services import DeclarationInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def building_choices(buildings: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for b in buildings.select_related("neighborhood", "compound").order_by(
        "neighborhood__name", "compound__name", "name"
    ):
        groups.setdefault(b.neighborhood.name, []).append((b.pk, f"{b.compound.name}{b.name}"))
    return list(groups.items())


class DeclarationForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    doc_type = forms.ChoiceField(
        label=_("证件类型"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    building = forms.TypedChoiceField(label=_("居住楼栋"), coerce=int)
    room = forms.CharField(label=_("室号"), max_length=20)
    origin_code = forms.ChoiceField(label=_("来沪前所在地区（省 › 市）"))
    transport = forms.ChoiceField(label=_("交通方式"), choices=Transport.choices)
    transport_number = forms.CharField(label=_("车次/航班号/车牌号"), max_length=20, required=False)
    departure_date = forms.DateField(label=_("出发日期"), widget=DATE)
    arrival_date = forms.DateField(label=_("抵沪日期"), widget=DATE)
    key_area = forms.BooleanField(label=_("14天内到过重点地区"), required=False)
    exposure = forms.BooleanField(label=_("14天内接触过确诊或疑似病例"), required=False)
    exposure_note = forms.CharField(label=_("接触史说明"), max_length=200, required=False)
    symptoms = forms.BooleanField(label=_("目前有发热、咳嗽等症状"), required=False)
    symptoms_note = forms.CharField(label=_("症状说明"), max_length=200, required=False)
    temperature = forms.DecimalField(label=_("今日体温 (°C)"), max_digits=3, decimal_places=1, required=False)
    employer_name = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    members = forms.CharField(
        label=_("同住人员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名 关系，例如“李四 配偶”"),
    )
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, buildings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [("", "—")] + building_choices(buildings)  # type: ignore[attr-defined]
        self.fields["origin_code"].choices = [("", "—")] + regions.region_choices()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("submission_id", secrets.token_hex(16))
            self.initial.setdefault("arrival_date", timezone.localdate())

    def to_input(self) -> DeclarationInput:
        d = self.cleaned_data
        members = []
        for line in (d.get("members") or "").splitlines():
            parts = line.split()
            if parts:
                members.append({"name": parts[0], "relation": " ".join(parts[1:])})
        return DeclarationInput(
            building_id=d["building"],
            room=d["room"],
            name=d["name"],
            doc_type=d["doc_type"],
            id_number=d["id_number"],
            phone=d["phone"],
            origin_code=d["origin_code"],
            transport=d["transport"],
            transport_number=d.get("transport_number") or "",
            departure_date=d["departure_date"],
            arrival_date=d["arrival_date"],
            key_area=d.get("key_area", False),
            exposure=d.get("exposure", False),
            exposure_note=d.get("exposure_note") or "",
            symptoms=d.get("symptoms", False),
            symptoms_note=d.get("symptoms_note") or "",
            temperature=d.get("temperature"),
            employer_name=d.get("employer_name") or "",
            household_members=members,
            submission_id=d.get("submission_id") or "",
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        mapping = {"building_id": "building", "employer_id": "employer_name"}
        for key, messages in errors.items():
            field = mapping.get(key, key)
            self.add_error(field if field in self.fields else None, messages)


class ReportForm(forms.Form):
    temperature = forms.CharField(
        label=_("体温 (°C)"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5"}),
    )
    symptoms = forms.BooleanField(label=_("有咳嗽、乏力等症状"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class PhoneReportForm(ReportForm):
    day = forms.DateField(label=_("日期"), widget=DATE)
    slot = forms.ChoiceField(label=_("时段"), choices=Slot.choices)


class ExtendForm(forms.Form):
    new_end_date = forms.DateField(label=_("新的结束日期"), widget=DATE)
    note = forms.CharField(label=_("原因"), max_length=200, required=False)


class ReleaseForm(forms.Form):
    signoff_role = forms.ChoiceField(label=_("签字方"), choices=SignoffRole.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class StartIsolationForm(forms.Form):
    mode = forms.ChoiceField(label=_("隔离方式"), choices=IsolationMode.choices)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("start_date", timezone.localdate())


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结果"), choices=ReferralOutcome.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class VisitForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    temperature = forms.CharField(
        label=_("体温 (°C)"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5"}),
    )
    key_area_14d = forms.BooleanField(label=_("14天内到过重点地区"), required=False)
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_id", secrets.token_hex(16))


class ShiftForm(forms.Form):
    name = forms.CharField(label=_("员工姓名"), max_length=50)
    doc_type = forms.ChoiceField(
        label=_("证件类型"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    temperature = forms.CharField(
        label=_("体温 (°C)"), max_length=5, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_id", secrets.token_hex(16))


class SuspendForm(forms.Form):
    from_date = forms.DateField(
        label=_("暂停探视起始日期"), widget=DATE, required=False, help_text=_("留空表示恢复探视")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class HealthFormsForm(forms.Form):
    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int)
    venue = forms.TypedChoiceField(label=_("场所（可选）"), coerce=int, required=False, empty_value=None)
    day = forms.DateField(label=_("日期"), widget=DATE)
    handed_out = forms.IntegerField(label=_("发放份数"), min_value=0)
    returned = forms.IntegerField(label=_("回收份数"), min_value=0)

    def __init__(self, *args: Any, neighborhoods: Any, venues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].choices = [(n.pk, n.name) for n in neighborhoods]  # type: ignore[attr-defined]
        self.fields["venue"].choices = [("", "—")] + [(v.pk, v.name) for v in venues]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("day", timezone.localdate())


class RiskRuleForm(forms.ModelForm):
    """A classification rule for a period. ``version`` carries the edited revision (no lost updates)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = RiskRule
        fields = [
            "name",
            "kind",
            "level",
            "action",
            "days",
            "region_prefixes",
            "priority",
            "effective_from",
            "effective_until",
        ]
        widgets = {"effective_from": DATE, "effective_until": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = _("重点地区、接触史规则：抵沪未满 N 天时命中")
        self.fields["priority"].help_text = _("数字越小越先判断；第一条命中的规则决定分类")
        self.fields["effective_until"].help_text = _("留空表示长期有效")
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else None
            if not self.instance.pk:
                self.initial.setdefault("effective_from", timezone.localdate())

    def clean_region_prefixes(self) -> str:
        raw = (self.cleaned_data.get("region_prefixes") or "").replace("，", ",")
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        for part in parts:
            if not part.isdigit() or len(part) > 6:
                raise forms.ValidationError(
                    _("地区代码前缀应为1–6位数字，用逗号分隔，例如 42 或 420100：“%(p)s”不正确。")
                    % {"p": part}
                )
        return ",".join(parts)
