from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.pairing.choices import Recurrence
from fangkong.pairing.models import DutyPerson, Point, ResponsibilityType, ShiftTemplate, Team
from fangkong.registry.models import CommitteeStaff, Compound, Organization, Premises, SupportCadre, Volunteer

WEEKDAY_CHOICES = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


def _set(form: Any, name: str, queryset: Any) -> None:
    form.fields[name].queryset = queryset


def _cadres(user: Any) -> Any:
    return (
        SupportCadre.objects.visible_to(user)
        .filter(active=True)
        .select_related("department")
        .order_by("name")
    )


class PairForm(forms.Form):
    cadre = forms.ModelChoiceField(queryset=SupportCadre.objects.none(), label=_("下沉干部"))
    responsibility = forms.ModelChoiceField(
        queryset=ResponsibilityType.objects.none(), label=_("责任类型"), required=False
    )
    responsibility_note = forms.CharField(label=_("责任说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "cadre", _cadres(user))
        _set(self, "responsibility", ResponsibilityType.objects.visible_to(user).filter(active=True))


class PairingEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    responsibility = forms.ModelChoiceField(
        queryset=ResponsibilityType.objects.none(), label=_("责任类型"), required=False
    )
    responsibility_note = forms.CharField(label=_("责任说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "responsibility", ResponsibilityType.objects.visible_to(user).filter(active=True))


class RequirementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    required_count = forms.IntegerField(label=_("需要干部数"), min_value=0, max_value=500, required=False)
    active = forms.BooleanField(label=_("在列"), required=False, initial=True)


class UnitPointForm(forms.Form):
    premises = forms.ModelChoiceField(queryset=Premises.objects.none(), label=_("楼宇园区"), required=False)
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("单位"), required=False
    )
    required_count = forms.IntegerField(label=_("需要干部数"), min_value=0, max_value=500, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "premises", Premises.objects.visible_to(user).filter(pairing_points__isnull=True))
        _set(self, "organization", Organization.objects.visible_to(user).filter(pairing_points__isnull=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("premises")) == bool(data.get("organization")):
            raise forms.ValidationError(_("请选择一个楼宇园区或一个单位。"))
        return data


class TeamForm(forms.Form):
    name = forms.CharField(label=_("队伍名称"), max_length=80)
    point = forms.ModelChoiceField(queryset=Point.objects.none(), label=_("定点"), required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "point", Point.objects.visible_to(user).filter(active=True))


class MemberForm(forms.Form):
    cadre = forms.ModelChoiceField(queryset=SupportCadre.objects.none(), label=_("下沉干部"), required=False)
    staff = forms.ModelChoiceField(
        queryset=CommitteeStaff.objects.none(), label=_("社区党员/工作者"), required=False
    )
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=_("志愿者"), required=False)
    is_leader = forms.BooleanField(label=_("设为队长"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "cadre", _cadres(user))
        _set(self, "staff", CommitteeStaff.objects.visible_to(user))
        _set(self, "volunteer", Volunteer.objects.visible_to(user).filter(active=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if sum(1 for k in ("cadre", "staff", "volunteer") if data.get(k)) != 1:
            raise forms.ValidationError(_("请选择一名成员。"))
        return data


class TaskForm(forms.Form):
    title = forms.CharField(label=_("事项"), max_length=120)
    owner_name = forms.CharField(label=_("负责人"), max_length=50, required=False)
    due_date = forms.DateField(label=_("截止日期"), required=False, widget=DateInput)
    recurrence = forms.ChoiceField(label=_("重复"), choices=Recurrence.choices, initial=Recurrence.NONE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class CompoundAssignForm(forms.Form):
    compound = forms.ModelChoiceField(queryset=Compound.objects.none(), label=_("小区"))
    cadre = forms.ModelChoiceField(queryset=SupportCadre.objects.none(), label=_("下沉干部"), required=False)
    staff = forms.ModelChoiceField(
        queryset=CommitteeStaff.objects.none(), label=_("社区工作者"), required=False
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("队伍"), required=False)
    only_unassigned = forms.BooleanField(label=_("只分配尚无负责人的楼栋"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "compound", Compound.objects.editable_by(user).select_related("neighborhood"))
        _set(self, "cadre", _cadres(user))
        _set(self, "staff", CommitteeStaff.objects.visible_to(user))
        _set(self, "team", Team.objects.visible_to(user))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("cadre")) == bool(data.get("staff")):
            raise forms.ValidationError(_("请选择一名负责人（干部或社区工作者）。"))
        return data


class CheckInForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    photo = forms.ImageField(label=_("照片（可选）"), required=False)


class ShiftTemplateForm(forms.Form):
    point = forms.ModelChoiceField(queryset=Point.objects.none(), label=_("定点"))
    name = forms.CharField(label=_("班次名称"), max_length=50)
    start_time = forms.TimeField(label=_("开始时间"), widget=TimeInput)
    end_time = forms.TimeField(label=_("结束时间"), widget=TimeInput)
    head_count = forms.IntegerField(label=_("人数"), min_value=1, max_value=50, initial=1)
    required_skill = forms.CharField(label=_("所需技能"), max_length=30, required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("适用星期"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        initial=list(range(7)),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "point", Point.objects.visible_to(user).filter(active=True))


class DutyPersonForm(forms.Form):
    cadre = forms.ModelChoiceField(queryset=SupportCadre.objects.none(), label=_("下沉干部"), required=False)
    staff = forms.ModelChoiceField(
        queryset=CommitteeStaff.objects.none(), label=_("社区工作者"), required=False
    )
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=_("志愿者"), required=False)
    skills = forms.CharField(label=_("技能"), max_length=200, required=False)
    max_shifts_per_week = forms.IntegerField(
        label=_("每周最多班次"), min_value=1, max_value=7, required=False
    )
    available_weekdays = forms.TypedMultipleChoiceField(
        label=_("可值班星期"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        initial=list(range(7)),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekdays"}),
        error_messages={"required": _("请至少选择一个可值班的星期。")},
    )
    leave_start = forms.DateField(label=_("请假开始（可选）"), required=False, widget=DateInput)
    leave_end = forms.DateField(label=_("请假结束（可选）"), required=False, widget=DateInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "cadre", _cadres(user))
        _set(self, "staff", CommitteeStaff.objects.visible_to(user))
        _set(self, "volunteer", Volunteer.objects.visible_to(user).filter(active=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if sum(1 for k in ("cadre", "staff", "volunteer") if data.get(k)) != 1:
            raise forms.ValidationError(_("请选择一名人员。"))
        start, end = data.get("leave_start"), data.get("leave_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("请假须同时填写开始和结束日期。"))
        if start and end and end < start:
            raise forms.ValidationError(_("请假结束日期不能早于开始日期。"))
        return data


class LeaveForm(forms.Form):
    person = forms.ModelChoiceField(queryset=DutyPerson.objects.none(), label=_("值班人员"))
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput)
    note = forms.CharField(label=_("说明"), max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "person", DutyPerson.objects.visible_to(user).filter(active=True))


class RosterForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput)
    templates = forms.ModelMultipleChoiceField(
        queryset=ShiftTemplate.objects.none(), label=_("班次"), widget=forms.CheckboxSelectMultiple
    )
    people = forms.ModelMultipleChoiceField(
        queryset=DutyPerson.objects.none(),
        label=_("人员"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_shifts_per_week = forms.IntegerField(label=_("每周最多班次"), min_value=1, max_value=7, initial=5)
    min_rest_hours = forms.IntegerField(label=_("最少休息小时"), min_value=0, max_value=24, initial=11)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(
            self,
            "templates",
            ShiftTemplate.objects.visible_to(user).filter(active=True).select_related("point"),
        )
        _set(self, "people", DutyPerson.objects.visible_to(user).filter(active=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            raise forms.ValidationError(_("结束日期不能早于开始日期。"))
        return data


class HandEditForm(forms.Form):
    template = forms.ModelChoiceField(queryset=ShiftTemplate.objects.none(), label=_("班次"))
    person = forms.ModelChoiceField(queryset=DutyPerson.objects.none(), label=_("值班人员"))
    day = forms.DateField(label=_("日期"), widget=DateInput)

    def __init__(self, *args: Any, roster: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "template", roster.templates.all().select_related("point"))
        _set(self, "person", DutyPerson.objects.visible_to(user).filter(active=True))


def _bounded(label: Any, low: int, high: int, message: Any, **kwargs: Any) -> forms.IntegerField:
    errors = {"min_value": message, "max_value": message, "invalid": message, "required": message}
    return forms.IntegerField(label=label, min_value=low, max_value=high, error_messages=errors, **kwargs)


class PairingSettingsForm(forms.Form):
    """The optimiser rules: limits, the home-neighborhood rule, the required-count rule and the
    department–point-kind affinity table (one 0–3 field per pair, named aff__<dept>__<kind>)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    max_points_per_cadre = _bounded(_("每名干部最多点位数"), 1, 10, _("每名干部最多点位数应为 1–10 的整数。"))
    avoid_home_neighborhood = forms.BooleanField(label=_("不派往本人居住的居民区"), required=False)
    households_per_cadre = _bounded(
        _("每名干部对应户数"),
        0,
        100_000,
        _("每名干部对应户数应为 0–100000 的整数（0 表示按户数比例分配全部干部）。"),
        help_text=_(
            "0 表示把全部可用干部按户数比例分到各居民区；大于 0 时每个居民区需要 户数÷该值（向上取整）名。"
        ),
    )
    unit_required_default = _bounded(
        _("单位点位默认需要人数"), 0, 50, _("单位点位默认需要人数应为 0–50 的整数。")
    )
    roster_cover_elsewhere = forms.BooleanField(
        label=_("值班可跨点位顶岗"),
        required=False,
        help_text=_("不勾选时，结对人员只排在其结对点位；勾选后可到其他点位顶岗，但排班尽量避免。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fangkong.pairing.choices import PointKind
        from fangkong.registry.choices import DepartmentKind

        self.dept_kinds = list(DepartmentKind.choices)
        self.point_kinds = list(PointKind.choices)
        choices = [(i, str(i)) for i in range(4)]
        for dept, dept_label in self.dept_kinds:
            for kind, kind_label in self.point_kinds:
                self.fields[f"aff__{dept}__{kind}"] = forms.TypedChoiceField(
                    label=f"{dept_label} · {kind_label}",
                    choices=choices,
                    coerce=int,
                    error_messages={
                        "invalid_choice": _("「%(d)s」对「%(k)s」的匹配分值应为 0–3。")
                        % {"d": dept_label, "k": kind_label},
                        "required": _("请填写「%(d)s」对「%(k)s」的匹配分值（0–3）。")
                        % {"d": dept_label, "k": kind_label},
                    },
                )

    @staticmethod
    def initial_for(settings_obj: Any) -> dict[str, Any]:
        from fangkong.pairing.choices import PointKind
        from fangkong.pairing.optimiser import PairingRules
        from fangkong.registry.choices import DepartmentKind

        rules = PairingRules(affinity=settings_obj.affinity or {})
        initial: dict[str, Any] = {
            "version": settings_obj.version if settings_obj.pk else None,
            "max_points_per_cadre": settings_obj.max_points_per_cadre,
            "avoid_home_neighborhood": settings_obj.avoid_home_neighborhood,
            "households_per_cadre": settings_obj.households_per_cadre,
            "unit_required_default": settings_obj.unit_required_default,
            "roster_cover_elsewhere": settings_obj.roster_cover_elsewhere,
        }
        for dept in DepartmentKind.values:
            for kind in PointKind.values:
                initial[f"aff__{dept}__{kind}"] = rules.affinity_of(dept, kind)
        return initial

    def limit_fields(self) -> list[Any]:
        return [
            self[name]
            for name in (
                "max_points_per_cadre",
                "avoid_home_neighborhood",
                "households_per_cadre",
                "unit_required_default",
                "roster_cover_elsewhere",
            )
        ]

    def affinity_rows(self) -> list[dict[str, Any]]:
        return [
            {"label": label, "cells": [self[f"aff__{dept}__{kind}"] for kind, _k in self.point_kinds]}
            for dept, label in self.dept_kinds
        ]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        affinity = {
            dept: {kind: data[f"aff__{dept}__{kind}"] for kind, _k in self.point_kinds}
            for dept, _d in self.dept_kinds
        }
        return {
            "max_points_per_cadre": data["max_points_per_cadre"],
            "avoid_home_neighborhood": data["avoid_home_neighborhood"],
            "households_per_cadre": data["households_per_cadre"],
            "unit_required_default": data["unit_required_default"],
            "roster_cover_elsewhere": data["roster_cover_elsewhere"],
            "affinity": affinity,
        }


class AssignmentChoiceField(forms.ModelChoiceField):
    """An assignment shown as 日期 班次 时间 · 姓名, for picking shifts to swap."""

    def __init__(self, *args: Any, show_person: bool = True, **kwargs: Any) -> None:
        self.show_person = show_person
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        from django.utils import timezone

        start = timezone.localtime(obj.starts_at)
        end = timezone.localtime(obj.ends_at)
        text = f"{obj.date:%m-%d} {obj.template.point.name} {obj.template.name} {start:%H:%M}–{end:%H:%M}"
        return f"{text} · {obj.person.name}" if self.show_person else text


class SwapForm(forms.Form):
    """Ask to swap shifts on one roster: one of the requester's own upcoming shifts and a colleague's.

    Managers who are not on the roster themselves pick any two upcoming shifts of two people."""

    first = AssignmentChoiceField(queryset=None, label=_("我的班次"), empty_label=_("请选择"))
    second = AssignmentChoiceField(queryset=None, label=_("换给同事的班次"), empty_label=_("请选择"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, roster: Any, mine: Any, manager: bool, **kwargs: Any) -> None:
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        upcoming = (
            roster.assignments.filter(date__gte=timezone.localdate())
            .select_related("template__point", "person")
            .order_by("date", "starts_at", "template__point__name", "person__name")
        )
        own = upcoming.filter(person=mine) if mine is not None else upcoming.none()
        first: Any = self.fields["first"]
        second: Any = self.fields["second"]
        if own.exists() or not manager:
            first.queryset = own
            first.show_person = False
            second.queryset = upcoming.exclude(person=mine) if mine is not None else upcoming.none()
        else:
            first.queryset = upcoming
            first.label = _("班次一")
            second.queryset = upcoming
            second.label = _("班次二")
        self.usable = own.exists() or (manager and upcoming.exists())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        a, b = data.get("first"), data.get("second")
        if a is not None and b is not None:
            if a.pk == b.pk:
                raise forms.ValidationError(_("请选择两个不同的班次。"))
            if a.person_id == b.person_id:
                raise forms.ValidationError(_("两个班次是同一人，无需换班。"))
        return data
