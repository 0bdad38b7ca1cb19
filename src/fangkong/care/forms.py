from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.care.choices import CareReason, CareStatus, DeliveryOutcome, Mobility, Need, Weekday, Welfare


class CareForm(forms.Form):
    reason = forms.ChoiceField(label=_("关爱原因"), choices=CareReason.choices)
    lives_alone = forms.BooleanField(label=_("独居"), required=False, initial=True)
    mobility = forms.ChoiceField(label=_("行动能力"), choices=Mobility.choices)
    needs = forms.MultipleChoiceField(
        label=_("需求"), choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    weekday = forms.TypedChoiceField(
        label=_("每周配送日"),
        choices=[("", _("不配送")), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    items = forms.CharField(label=_("配送物品"), max_length=200, required=False)
    volunteer = forms.TypedChoiceField(label=_("结对志愿者"), coerce=int, empty_value=None, required=False)
    team = forms.CharField(label=_("服务队伍"), max_length=80, required=False)
    supplier = forms.TypedChoiceField(label=_("供货单位"), coerce=int, empty_value=None, required=False)
    emergency_name = forms.CharField(label=_("紧急联系人"), max_length=50, required=False)
    emergency_phone = forms.CharField(
        label=_("紧急联系人电话"), max_length=20, required=False, help_text=_("留空则保留原号码。")
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=CareStatus.choices)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, volunteers: Any = (), suppliers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["volunteer"].choices = [("", "—"), *((v.pk, v.name) for v in volunteers)]
        fields["supplier"].choices = [("", "—"), *((o.pk, o.name) for o in suppliers)]


class DeliveryForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("结果"), choices=DeliveryOutcome.choices, widget=forms.RadioSelect, initial="delivered"
    )
    welfare = forms.ChoiceField(
        label=_("身体状况"), choices=Welfare.choices, widget=forms.RadioSelect, initial="well"
    )
    phone_confirmed = forms.BooleanField(label=_("已电话确认本人取到"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    submission_id = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
