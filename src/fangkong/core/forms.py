from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _

from fangkong.core.policies import DEFAULTS, LABELS, display_value, resumption_datetime


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
                raw = raw.replace(" ", "T", 1)  # the page writes 2020-02-09 24:00
                resumption_datetime(raw)
                value = raw
        except ValueError:
            example = display_value(key, default)
            raise ValidationError({"value": _("取值格式不正确（示例：%(ex)s）。") % {"ex": example}})
        data["value"] = value
        return data


class FormRenderer(DjangoTemplates):
    """Every form label is drawn by one template (``core/forms/label.html``): no colon after it (Django
    appends ``:``, ASCII in English), and a red asterisk titled 必填 on required fields. ``{{ form }}``,
    ``form.as_div``, ``field.as_field_group`` and ``field.label_tag`` all go through it
    (settings.FORM_RENDERER); ``core/forms/field.html`` lays out label, input, help text and errors."""

    form_template_name = "core/forms/div.html"
    field_template_name = "core/forms/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == "django/forms/label.html":
            template_name = "core/forms/label.html"
            label = context.get("label")
            if label and str(label)[-1] in ":：":
                text = str(label)[:-1]
                context["label"] = mark_safe(text) if isinstance(label, SafeData) else text
        return super().render(template_name, context, request)
