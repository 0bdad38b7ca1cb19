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

    # the declaration service's keys that name a different field of this form (core.errors.add_form_errors)
    service_fields = {"building_id": "building", "employer_id": "employer_name"}


class PublicDeclarationForm(DeclarationForm):
    """The public form: the address is picked neighborhood › compound › building (the lower lists are loaded
    by htmx from the public place endpoints), so a page never carries every building of the sub-district.
    Only choices inside the picked neighborhood and compound are valid."""

    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int)
    compound = forms.TypedChoiceField(
        label=_("小区"),
        coerce=int,
        error_messages={"invalid_choice": _("所选小区不在所选居民区内，请重新选择。")},
    )

    field_order = ["name", "doc_type", "id_number", "phone", "neighborhood", "compound", "building", "room"]

    def __init__(self, *args: Any, subdistrict: Any, **kwargs: Any) -> None:
        from django.urls import reverse

        from fangkong.registry.models import Building, Compound, Neighborhood

        super().__init__(*args, buildings=Building.objects.none(), **kwargs)
        self.fields["building"].error_messages["invalid_choice"] = _("所选楼栋不在所选小区内，请重新选择。")
        hoods = Neighborhood.objects.filter(subdistrict=subdistrict).order_by("code", "name")
        self.fields["neighborhood"].choices = [("", "—")] + [(h.pk, h.name) for h in hoods]  # type: ignore[attr-defined]
        hood_id = _int_or_none(
            self.data.get("neighborhood") if self.is_bound else self.initial.get("neighborhood")
        )
        compound_id = _int_or_none(self.data.get("compound") if self.is_bound else None)
        self.fields["compound"].choices = [("", "—")] + place_options(  # type: ignore[attr-defined]
            Compound, subdistrict.pk, neighborhood_id=hood_id
        )
        self.fields["building"].choices = [("", "—")] + place_options(  # type: ignore[attr-defined]
            Building, subdistrict.pk, neighborhood_id=hood_id, compound_id=compound_id
        )
        args_ = [subdistrict.pk]
        self.fields["neighborhood"].widget.attrs.update(
            {
                "hx-get": reverse("returnees:public_compounds", args=args_),
                "hx-target": "#id_compound",
                "hx-trigger": "change",
            }
        )
        self.fields["compound"].widget.attrs.update(
            {
                "hx-get": reverse("returnees:public_buildings", args=args_),
                "hx-target": "#id_building",
                "hx-trigger": "change",
                "hx-include": "#id_neighborhood",
            }
        )

    def clean(self) -> dict[str, Any]:
        from fangkong.registry.models import Building

        data: dict[str, Any] = super().clean() or {}
        building_id = data.get("building")
        hood_id, compound_id = data.get("neighborhood"), data.get("compound")
        if building_id and not (
            hood_id
            and compound_id
            and Building.objects.filter(
                pk=building_id, neighborhood_id=hood_id, compound_id=compound_id
            ).exists()
        ):
            self.add_error("building", _("所选楼栋不在所选小区内，请重新选择。"))
        return data


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def place_options(
    model: Any, subdistrict_id: int, *, neighborhood_id: int | None, compound_id: int | None = None
) -> list[tuple[int, str]]:
    """(pk, name) of the compounds of a neighborhood, or the buildings of a compound in that neighborhood,
    inside one sub-district. Nothing when the parent is not picked."""
    if neighborhood_id is None:
        return []
    filters: dict[str, Any] = {"subdistrict_id": subdistrict_id, "neighborhood_id": neighborhood_id}
    if model.__name__ == "Building":
        if compound_id is None:
            return []
        filters["compound_id"] = compound_id
    return list(model.objects.filter(**filters).order_by("name", "pk").values_list("pk", "name"))


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
    until = forms.DateField(
        label=_("暂停探视截止日期"), widget=DATE, required=False, help_text=_("留空表示直到手动恢复")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


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


class AmendmentDecisionForm(forms.Form):
    """One accept/reject choice per proposed field of a public amendment."""

    def __init__(self, *args: Any, amendment: Any, **kwargs: Any) -> None:
        from fangkong.returnees.choices import AmendmentDecision
        from fangkong.returnees.selectors import amendment_rows

        super().__init__(*args, **kwargs)
        self.rows = amendment_rows(amendment)
        for row in self.rows:
            self.fields[f"d_{row.field}"] = forms.ChoiceField(
                label=row.label,
                choices=AmendmentDecision.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择采纳或不采纳。")},
            )

    def decisions(self) -> dict[str, str]:
        return {row.field: self.cleaned_data[f"d_{row.field}"] for row in self.rows}

    def pairs(self) -> list[tuple[Any, Any]]:
        return [(row, self[f"d_{row.field}"]) for row in self.rows]
