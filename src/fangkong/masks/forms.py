from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.masks.choices import AllocationMode, SiteKind
from fangkong.masks.models import PickupSite

_DT = {"type": "datetime-local"}


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class _Form(forms.Form):
    """A masks form whose labels carry no colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RoundForm(_Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    masks_per_household = forms.IntegerField(
        label=_("每户口罩数"), min_value=1, max_value=100, required=False, help_text=_("留空则按政策设置。")
    )
    opens_at = forms.DateTimeField(label=_("预约开始"), widget=DateTimeLocal())
    closes_at = forms.DateTimeField(label=_("预约截止"), widget=DateTimeLocal())
    pickup_ends_at = forms.DateTimeField(label=_("领取截止"), widget=DateTimeLocal())
    mode = forms.ChoiceField(label=_("分配方式"), choices=AllocationMode.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes, pickup = data.get("opens_at"), data.get("closes_at"), data.get("pickup_ends_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("预约截止时间必须晚于开始时间。"))
        if closes and pickup and pickup < closes:
            self.add_error("pickup_ends_at", _("领取截止时间不能早于预约截止时间。"))
        return data


class BatchForm(_Form):
    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int)
    quantity = forms.IntegerField(label=_("数量（只）"), min_value=1, max_value=10_000_000)
    site = forms.TypedChoiceField(label=_("领取点"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, hoods: list[tuple[int, str]], sites: list[PickupSite], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].choices = hoods  # type: ignore[attr-defined]
        self.fields["site"].choices = [("", _("（不指定）"))] + [(s.pk, s.name) for s in sites]  # type: ignore[attr-defined]


class SiteForm(_Form):
    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int)
    name = forms.CharField(label=_("领取点名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=SiteKind.choices)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    slot_starts_at = forms.DateTimeField(label=_("时段开始"), widget=DateTimeLocal(), required=False)
    slot_ends_at = forms.DateTimeField(label=_("时段结束"), widget=DateTimeLocal(), required=False)
    capacity = forms.IntegerField(label=_("时段容量（户）"), min_value=1, required=False)

    def __init__(self, *args: Any, hoods: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].choices = hoods  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [data.get("slot_starts_at"), data.get("slot_ends_at"), data.get("capacity")]
        if any(parts) and not all(parts):
            raise forms.ValidationError(_("时段需同时填写开始、结束和容量。"))
        if all(parts) and data["slot_ends_at"] <= data["slot_starts_at"]:
            self.add_error("slot_ends_at", _("时段结束时间必须晚于开始时间。"))
        return data


class PublicBookingForm(_Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    neighborhood = forms.IntegerField(label=_("居民区"), widget=forms.HiddenInput, required=False)
    compound = forms.IntegerField(label=_("小区"), widget=forms.HiddenInput, required=False)
    building = forms.IntegerField(label=_("楼栋"), widget=forms.HiddenInput)
    room = forms.CharField(
        label=_("室号"), max_length=20, widget=forms.TextInput(attrs={"placeholder": "101"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].error_messages["required"] = _("请选择楼栋。")


class LookupForm(_Form):
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    phone = forms.CharField(label=_("手机号码"), max_length=20)


class DeskPersonForm(_Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    phone = forms.CharField(label=_("手机号码"), max_length=20)


class PickupForm(_Form):
    number = forms.CharField(
        label=_("领取凭证号"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    id_check = forms.CharField(
        label=_("预约人身份证号"),
        max_length=40,
        help_text=_("扫描预约人身份证，或输入身份证号（或后4位）。"),
        error_messages={"required": _("请核对预约人身份：扫描或输入预约人身份证号，或输入其后4位。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
