from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.policies import DEFAULTS, LABELS, resumption_datetime


class PolicyForm(forms.Form):
    key = forms.ChoiceField(label=_("政策项"), choices=[(k, LABELS[k]) for k in DEFAULTS])
    value = forms.CharField(label=_("取值"), max_length=40)
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key, raw = data.get("key"), (data.get("value") or "").strip()
        if not key or not raw:
            return data
        default = DEFAULTS[key]
        try:
            if isinstance(default, bool):
                raise ValueError
            if isinstance(default, int):
                value: Any = int(raw)
                if value <= 0:
                    raise ValidationError(_("应为正整数。"))
            elif isinstance(default, float):
                value = round(float(raw), 1)
                if not 35.0 <= value <= 40.0:
                    raise ValidationError(_("发热线应在 35.0–40.0 °C 之间。"))
            elif key == "personal_data_purge":
                if raw not in ("report", "apply"):
                    raise ValueError
                value = raw
            else:
                resumption_datetime(raw)
                value = raw
        except ValueError:
            raise ValidationError({"value": _("取值格式不正确（示例：%(ex)s）。") % {"ex": default}})
        data["value"] = value
        return data
