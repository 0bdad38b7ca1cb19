from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.care.choices import (
    CareReason,
    CareStatus,
    DeedKind,
    DeliveryOutcome,
    DonorKind,
    LiangxinKind,
    MaterialKind,
    Mobility,
    Need,
    TargetKind,
    VolunteerSkill,
    Weekday,
    Welfare,
)


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


LINES = 4


class DonationForm(forms.Form):
    neighborhood = forms.TypedChoiceField(label=_("接收居民区"), coerce=int, empty_value=None, required=False)
    donor_kind = forms.ChoiceField(label=_("捐赠方类型"), choices=DonorKind.choices, widget=forms.RadioSelect)
    donor_name = forms.CharField(
        label=_("捐赠方"), max_length=80, required=False, help_text=_("居民姓名或单位名称；匿名可不填。")
    )
    donor_resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    donor_organization = forms.TypedChoiceField(
        label=_("捐赠单位（已登记）"), coerce=int, empty_value=None, required=False
    )
    public_thanks = forms.BooleanField(label=_("同意公开致谢"), required=False)
    purpose = forms.CharField(label=_("捐赠用途"), max_length=120, required=False)
    received_on = forms.DateField(
        label=_("接收日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        neighborhoods: Any = (),
        organizations: Any = (),
        sub_wide: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        hoods = [(h.pk, h.name) for h in neighborhoods]
        fields["neighborhood"].choices = ([("", _("街道（不属于某个居民区）"))] if sub_wide else []) + hoods
        fields["donor_organization"].choices = [("", "—"), *((o.pk, o.name) for o in organizations)]
        for n in range(LINES):
            self.fields[f"item_{n}"] = forms.CharField(
                label=_("物品%(n)d") % {"n": n + 1}, max_length=60, required=False
            )
            self.fields[f"unit_{n}"] = forms.CharField(label=_("单位"), max_length=10, required=False)
            self.fields[f"qty_{n}"] = forms.IntegerField(label=_("数量"), min_value=1, required=False)
            self.fields[f"masks_{n}"] = forms.BooleanField(label=_("是口罩"), required=False)

    def lines(self) -> list[Any]:
        from fangkong.care.donations import Line

        d = self.cleaned_data
        out = []
        for n in range(LINES):
            if d.get(f"item_{n}") or d.get(f"qty_{n}"):
                out.append(
                    Line(
                        name=d.get(f"item_{n}") or "",
                        unit=d.get(f"unit_{n}") or "",
                        quantity=d.get(f"qty_{n}") or 0,
                        is_masks=bool(d.get(f"masks_{n}")),
                        is_money=(d.get(f"unit_{n}") or "") == "元",
                    )
                )
        return out


class DistributionForm(forms.Form):
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    target_kind = forms.ChoiceField(
        label=_("去向"), choices=[c for c in TargetKind.choices if c[0] != TargetKind.MASK_STOCK]
    )
    target_compound = forms.TypedChoiceField(
        label=_("服务点所在小区"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("去向为志愿者服务点时必选。"),
    )
    target_organization = forms.TypedChoiceField(
        label=_("受赠单位"), coerce=int, empty_value=None, required=False
    )
    target_name = forms.CharField(label=_("去向说明"), max_length=120, required=False)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, compounds: Any = (), organizations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["target_compound"].choices = [
            ("", "—"),
            *((c.pk, f"{c.neighborhood.name} {c.name}") for c in compounds),
        ]
        fields["target_organization"].choices = [("", "—"), *((o.pk, o.name) for o in organizations)]


class MasksToStockForm(forms.Form):
    mask_round = forms.TypedChoiceField(label=_("口罩预约轮次"), coerce=int)
    neighborhood = forms.TypedChoiceField(label=_("入库居民区"), coerce=int)
    quantity = forms.IntegerField(label=_("数量（只）"), min_value=1)

    def __init__(self, *args: Any, rounds: Any = (), neighborhoods: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["mask_round"].choices = [(r.pk, str(r)) for r in rounds]
        fields["neighborhood"].choices = [(h.pk, h.name) for h in neighborhoods]


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料"), choices=MaterialKind.choices)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int, empty_value=None, required=False)
    premises = forms.TypedChoiceField(label=_("楼宇园区"), coerce=int, empty_value=None, required=False)
    organization = forms.TypedChoiceField(label=_("单位"), coerce=int, empty_value=None, required=False)
    branch = forms.TypedChoiceField(label=_("党组织"), coerce=int, empty_value=None, required=False)
    handed_out = forms.IntegerField(label=_("发放份数"), min_value=0, initial=0)
    returned = forms.IntegerField(
        label=_("回收份数"), min_value=0, initial=0, help_text=_("登记表等需回收的材料填写。")
    )
    posted = forms.IntegerField(label=_("张贴份数"), min_value=0, initial=0)
    by_name = forms.CharField(label=_("发放人"), max_length=80, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        neighborhoods: Any = (),
        premises: Any = (),
        organizations: Any = (),
        branches: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        for name, objs in (
            ("neighborhood", neighborhoods),
            ("premises", premises),
            ("organization", organizations),
            ("branch", branches),
        ):
            fields[name].choices = [("", "—"), *((o.pk, o.name) for o in objs)]


# ------------------------------------------------------------------------------------------ volunteers


def _weekday_choices() -> list[tuple[int, Any]]:
    return list(Weekday.choices)


class PublicVolunteerForm(forms.Form):
    """The public sign-up page (志愿者报名), opened for a neighborhood (and a compound, from its gate's
    poster)."""

    compound = forms.TypedChoiceField(
        label=_("服务小区"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("可选：愿意服务的小区门口。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    id_number = forms.CharField(label=_("身份证号码"), max_length=20, help_text=_("仅用于居委会核实身份。"))
    skills = forms.MultipleChoiceField(
        label=_("愿意参加的服务"),
        choices=VolunteerSkill.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项服务。")},
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("可服务星期"),
        choices=_weekday_choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一天。")},
    )
    availability = forms.CharField(
        label=_("可服务时段"), max_length=100, required=False, help_text=_("例如：上午、18点以后。")
    )
    says_party_member = forms.BooleanField(label=_("我是党员"), required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, compounds: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["compound"]
        field.choices = [("", "—"), *((c.pk, c.name) for c in compounds)]


class VerifySignupForm(forms.Form):
    is_party_member = forms.BooleanField(label=_("党员（已核实）"), required=False)
    party_branch = forms.TypedChoiceField(label=_("所在党组织"), coerce=int, empty_value=None, required=False)
    seen_in_person = forms.BooleanField(
        label=_("已现场查验身份证件"),
        required=False,
        help_text=_("实有人口中查不到或姓名不一致时（如不住在本街道），现场查验证件后勾选。"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, branches: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["party_branch"]
        field.choices = [("", "—"), *((b.pk, b.name) for b in branches)]


class DutyPlanForm(forms.Form):
    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int)
    start_date = forms.DateField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=31, initial=7)
    duties = forms.MultipleChoiceField(
        label=_("岗位"),
        choices=[c for c in VolunteerSkill.choices if c[0] != VolunteerSkill.OTHER],
        widget=forms.CheckboxSelectMultiple,
        initial=[VolunteerSkill.GATE, VolunteerSkill.SCREENING, VolunteerSkill.DELIVERY],
    )
    max_shifts_per_week = forms.IntegerField(label=_("每人每周最多班次"), min_value=1, max_value=7, initial=3)

    def __init__(self, *args: Any, neighborhoods: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["neighborhood"]
        field.choices = [(h.pk, h.name) for h in neighborhoods]


class CheckInForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("志愿者"), coerce=int)
    duty = forms.ChoiceField(label=_("岗位"), choices=VolunteerSkill.choices)
    compound = forms.TypedChoiceField(label=_("小区门口"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, volunteers: Any = (), compounds: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["volunteer"].choices = [(v.pk, f"{v.name}（{v.neighborhood.name}）") for v in volunteers]
        fields["compound"].choices = [("", "—"), *((c.pk, c.name) for c in compounds)]


# -------------------------------------------------------------------------------- online briefings (微党课)


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.replace("、", "\n").replace("，", "\n").splitlines() if ln.strip()]


class BriefingForm(forms.Form):
    title = forms.CharField(label=_("题目"), max_length=120)
    organisers = forms.CharField(
        label=_("主办部门"), max_length=120, required=False, help_text=_("例如：社区党建办、社区发展办")
    )
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    planned_minutes = forms.IntegerField(label=_("计划时长（分钟）"), min_value=1, max_value=600, initial=30)
    neighborhood = forms.TypedChoiceField(label=_("居民区"), coerce=int, empty_value=None, required=False)
    speakers = forms.CharField(
        label=_("主讲人"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一位。")
    )
    topics = forms.CharField(
        label=_("主题"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一个。")
    )

    def __init__(self, *args: Any, neighborhoods: Any = (), whole: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["neighborhood"]
        first = [("", _("全街道"))] if whole else []
        field.choices = [*first, *((h.pk, h.name) for h in neighborhoods)]
        if not whole:
            field.required = True

    def speaker_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("speakers") or "")

    def topic_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("topics") or "")


class BriefingTimesForm(forms.Form):
    started_at = forms.DateTimeField(
        label=_("实际开始"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ended_at = forms.DateTimeField(
        label=_("实际结束"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("问题"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    asked_by = forms.CharField(label=_("提问人"), max_length=50, required=False)
    branch = forms.TypedChoiceField(label=_("党组织"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, branches: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["branch"]
        field.choices = [("", "—"), *((b.pk, b.name) for b in branches)]


class PublicBriefingForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    branch = forms.TypedChoiceField(label=_("所在党组织"), coerce=int)

    def __init__(self, *args: Any, branches: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["branch"]
        field.choices = [("", "—"), *((b.pk, b.name) for b in branches)]


# ------------------------------------------------------------------------------ 两新 organisations


class LiangxinForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("单位"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=LiangxinKind.choices)
    party_members = forms.IntegerField(label=_("党员人数"), min_value=0, max_value=1_000_000)
    branch = forms.TypedChoiceField(label=_("党组织"), coerce=int, empty_value=None, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, organizations: Any = (), branches: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["organization"].choices = [(o.pk, o.name) for o in organizations]
        fields["branch"].choices = [("", "—"), *((b.pk, b.name) for b in branches)]


class DeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项"), choices=DeedKind.choices)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    members = forms.IntegerField(label=_("参与党员数"), min_value=1, max_value=1_000_000)
    quantity = forms.IntegerField(
        label=_("数量"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("转发的信、发放的指南份数，或排查反馈的户数。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
