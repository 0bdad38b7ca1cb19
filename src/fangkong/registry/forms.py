from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from fangkong.core import crypto
from fangkong.core.choices import DocumentType
from fangkong.core.generic import ScopedModelForm
from fangkong.core.validators import check_document, validate_credit_code, validate_mobile, validate_name
from fangkong.registry import models as m
from fangkong.registry.choices import Relation


class PersonNameMixin(forms.Form):
    """A person's name is refused, not mangled, when it holds control or invisible characters or is too
    long (``validate_name``). Django's own NUL check is dropped so that a NUL gets the same message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("name")
        if field is not None:
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]

    def clean_name(self) -> str:
        return validate_name(self.cleaned_data.get("name", ""))


class PersonalFormMixin(forms.Form):
    """Personal values are entered in clear, validated, and sealed by the service; left blank on edit they
    keep their stored value."""

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return validate_mobile(raw) if raw else ""

    def clean_contact_phone(self) -> str:
        raw = self.cleaned_data.get("contact_phone", "")
        return validate_mobile(raw) if raw else ""


def _phone_field(label: Any = _("手机号码")) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        help_text=_("11位手机号；修改时留空则保持不变"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class NeighborhoodForm(ScopedModelForm):
    class Meta:
        model = m.Neighborhood
        fields = ["name", "code", "committee_address", "committee_phone"]


class CompoundForm(ScopedModelForm):
    class Meta:
        model = m.Compound
        fields = ["neighborhood", "name", "address", "patrol_zone"]


class BuildingForm(ScopedModelForm):
    class Meta:
        model = m.Building
        fields = ["compound", "name", "floors"]


class HouseholdForm(ScopedModelForm):
    class Meta:
        model = m.Household
        fields = ["building", "room", "note"]


class ResidentForm(PersonNameMixin, PersonalFormMixin, ScopedModelForm):
    id_number = forms.CharField(
        label=_("证件号码"),
        required=False,
        max_length=30,
        help_text=_("居民身份证为18位；修改时留空则保持不变"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = _phone_field()

    class Meta:
        model = m.Resident
        fields = [
            "household",
            "name",
            "doc_type",
            "id_number",
            "phone",
            "gender",
            "birth_date",
            "relation",
            "is_party_member",
            "party_branch",
            "note",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.id_warnings: list[str] = []
        # Offer the households of the building in hand rather than every household in scope.
        household_id = (
            self.data.get("household") or self.initial.get("household") or self.instance.household_id
        )
        if household_id and str(household_id).isdigit():
            field: Any = self.fields["household"]
            building = m.Household.objects.filter(pk=int(household_id)).values("building_id")
            field.queryset = field.queryset.filter(building_id__in=building)
        if not self.instance.pk:
            self.fields["id_number"].required = True
            self.fields["id_number"].help_text = _("居民身份证为18位")
        # 与户主关系: 户主 is offered first only while the household has no head; otherwise it starts empty.
        self.household_head_id: int | None = None
        if household_id and str(household_id).isdigit():
            self.household_head_id = (
                m.Resident.objects.filter(household_id=int(household_id), relation=Relation.HEAD)
                .exclude(pk=self.instance.pk)
                .values_list("pk", flat=True)
                .first()
            )
        if self.household_head_id is not None and self.instance.relation == Relation.HEAD:
            relation: Any = self.fields["relation"]
            relation.choices = [("", "---------"), *Relation.choices]
            if not self.is_bound:
                self.initial["relation"] = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        household = data.get("household")
        if data.get("relation") == Relation.HEAD and household is not None:
            head = m.Resident.objects.filter(household=household, relation=Relation.HEAD).exclude(
                pk=self.instance.pk
            )
            if head.exists():
                self.add_error("relation", m.HEAD_TAKEN)
        raw = data.get("id_number", "")
        if raw:
            try:
                check = check_document(data.get("doc_type") or DocumentType.RESIDENT_ID, raw)
            except ValidationError as exc:
                self.add_error("id_number", exc)
                return data
            data["id_number"] = check.value
            self.id_warnings = check.warnings
            if check.birth_date and not data.get("birth_date"):
                data["birth_date"] = check.birth_date
                self.instance.birth_date = check.birth_date
            if check.gender and not data.get("gender"):
                data["gender"] = check.gender
                self.instance.gender = check.gender
            # Only a clash the user can see is named; one outside their scope is saved and flagged for HQ
            # (registry.services.check_id_number), the answer an unknown ID gets.
            digest = crypto.lookup_hash("id_number", check.value)
            residents = (
                m.Resident.objects.visible_to(self.user) if self.user is not None else m.Resident.objects
            )
            clash = residents.filter(id_number_hash=digest).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("id_number", _("该证件号码已登记。"))
        return data


class OrganizationForm(PersonalFormMixin, ScopedModelForm):
    contact_phone = _phone_field(_("联系电话"))

    class Meta:
        model = m.Organization
        fields = [
            "name",
            "kind",
            "credit_code",
            "industry",
            "address",
            "neighborhood",
            "premises",
            "patrol_zone",
            "contact_name",
            "contact_phone",
            "employees",
        ]

    def clean_contact_name(self) -> str:
        return validate_name(self.cleaned_data.get("contact_name", ""), required=False)

    def clean_credit_code(self) -> str:
        raw = self.cleaned_data.get("credit_code", "")
        return validate_credit_code(raw) if raw else ""


class PremisesForm(ScopedModelForm):
    class Meta:
        model = m.Premises
        fields = ["name", "kind", "address", "neighborhood", "patrol_zone"]


class PatrolZoneForm(ScopedModelForm):
    class Meta:
        model = m.PatrolZone
        fields = ["name", "description"]


class PartyBranchForm(ScopedModelForm):
    class Meta:
        model = m.PartyBranch
        fields = ["name", "kind", "is_temporary", "secretary", "neighborhood", "organization"]


class OfficeForm(ScopedModelForm):
    class Meta:
        model = m.Office
        fields = ["name"]


class SupportCadreForm(PersonNameMixin, PersonalFormMixin, ScopedModelForm):
    phone = _phone_field()

    class Meta:
        model = m.SupportCadre
        fields = [
            "name",
            "department",
            "phone",
            "home_neighborhood",
            "is_party_member",
            "party_branch",
            "skills",
            "active",
        ]


class CommitteeStaffForm(PersonNameMixin, PersonalFormMixin, ScopedModelForm):
    phone = _phone_field()

    class Meta:
        model = m.CommitteeStaff
        fields = ["neighborhood", "name", "position", "phone", "is_party_member", "party_branch"]


class VolunteerForm(PersonNameMixin, PersonalFormMixin, ScopedModelForm):
    phone = _phone_field()

    class Meta:
        model = m.Volunteer
        fields = [
            "name",
            "phone",
            "neighborhood",
            "skills",
            "availability",
            "is_party_member",
            "party_branch",
            "active",
        ]
