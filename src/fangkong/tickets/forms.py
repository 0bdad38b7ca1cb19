"""Forms of the tickets pages: plain forms whose choices come from what the user sees."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.tickets.choices import CheckResult, KitKind, MemberRole, ServiceKind, TicketKind, Urgency


class TicketForm(forms.Form):
    building: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, label=_("楼栋"))  # type: ignore[arg-type]
    room = forms.CharField(label=_("室号"), max_length=20, required=False)
    kind = forms.ChoiceField(label=_("报修类别"), choices=TicketKind.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.URGENT)
    description = forms.CharField(
        label=_("情况说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=_("报修人电话"), max_length=20, required=False)
    building_wide = forms.BooleanField(label=_("整栋作业"), required=False)

    def __init__(self, *args: Any, buildings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["building"]
        field.queryset = buildings
        field.label_from_instance = lambda b: f"{b.neighborhood.name} {b.compound.name}{b.name}"


class PublicTicketForm(forms.Form):
    building: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, label=_("楼栋"))  # type: ignore[arg-type]
    room = forms.CharField(label=_("室号"), max_length=20)
    kind = forms.ChoiceField(label=_("报修类别"), choices=TicketKind.choices)
    description = forms.CharField(
        label=_("情况说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, buildings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["building"]
        field.queryset = buildings
        field.label_from_instance = lambda b: f"{b.compound.name}{b.name}"


class MoveForm(forms.Form):
    to_state = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConsentForm(forms.Form):
    who = forms.CharField(label=_("同意人"), max_length=50)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("照片"))
    caption = forms.CharField(label=_("说明"), max_length=100, required=False)


class KitForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类别"), choices=KitKind.choices)
    count = forms.IntegerField(label=_("现有数量"), min_value=0)
    required = forms.IntegerField(label=_("应备数量"), min_value=0)


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("报修类别"), choices=TicketKind.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    respond_minutes = forms.IntegerField(label=_("响应(分钟)"), min_value=1, initial=15)
    arrive_minutes = forms.IntegerField(label=_("到场(分钟)"), min_value=1, initial=45)
    resolve_hours = forms.IntegerField(label=_("完成(小时)"), min_value=1, initial=8)


class UnitForm(forms.Form):
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("区域化党建单位")
    )  # type: ignore[arg-type]
    service_kind = forms.ChoiceField(label=_("服务类别"), choices=ServiceKind.choices)
    hotline = forms.CharField(label=_("服务热线"), max_length=30)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, label=_("账号"))  # type: ignore[arg-type]
    role = forms.ChoiceField(label=_("岗位"), choices=MemberRole.choices)

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]


class RosterForm(forms.Form):
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=31, initial=14)


FLAT_RESULTS = [(v, label) for v, label in CheckResult.choices if v != CheckResult.PENDING]
