"""core.errors: a service's ValidationError reaches forms, messages and the API one way."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core import errors


class _Form(forms.Form):
    name = forms.CharField(required=False)
    building = forms.IntegerField(required=False)


texts = st.text(alphabet="甲乙丙丁abc", min_size=1, max_size=5)


@given(by_field=st.dictionaries(st.sampled_from(["name", "building_id", "other"]), texts, min_size=1))
def test_a_message_dict_lands_on_the_named_fields_or_the_form(by_field):
    form = _Form(data={})
    assert form.is_valid()
    errors.add_form_errors(form, ValidationError(by_field), fields={"building_id": "building"})
    for key, message in by_field.items():
        field = {"building_id": "building"}.get(key, key)
        target = field if field in form.fields else None
        assert message in (form.errors[target] if target else form.non_field_errors())


@given(messages=st.lists(texts, min_size=1, max_size=3))
def test_plain_messages(messages):
    exc = ValidationError(messages)
    assert errors.error_dict(exc) == {"__all__": messages}
    assert errors.error_text(exc) == " ".join(messages)
    assert errors.api_detail(exc) == messages
    assert errors.api_text(exc) == "；".join(messages)
    assert errors.api_text(exc, keyed=True) == "__all__: " + " ".join(messages)
    form = _Form(data={})
    assert form.is_valid()
    errors.add_form_errors(form, exc)
    assert form.non_field_errors() == messages


def test_keyed_api_text_names_each_field():
    exc = ValidationError({"name": ["太长"], "phone": ["无效", "重复"]})
    assert errors.api_detail(exc) == {"name": ["太长"], "phone": ["无效", "重复"]}
    assert errors.api_text(exc, keyed=True) == "name: 太长; phone: 无效 重复"
    assert errors.api_text(exc) == "太长；无效；重复"
