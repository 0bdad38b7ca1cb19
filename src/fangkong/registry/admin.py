from django.contrib import admin

from fangkong.core.admin import AuditedAdmin, ReadOnlyAdmin
from fangkong.registry import models as m

_PERSONAL_EXCLUDE = (
    "id_number_enc",
    "id_number_hash",
    "phone_enc",
    "phone_hash",
    "contact_phone_enc",
    "contact_phone_hash",
)


class RegistryAdmin(ReadOnlyAdmin):
    """Admin views show masked personal values only; writes belong in the registry pages and services."""

    list_per_page = 50

    def get_exclude(self, request, obj=None):  # type: ignore[no-untyped-def]
        fields = {f.name for f in self.model._meta.concrete_fields}
        return [name for name in _PERSONAL_EXCLUDE if name in fields]


SETUP_MODELS = (m.District, m.SubDistrict, m.LineDepartment)

for model, columns, search in [
    (m.District, ("name", "code"), ("name",)),
    (m.SubDistrict, ("name", "district", "code"), ("name",)),
    (m.LineDepartment, ("name", "kind", "district"), ("name",)),
    (m.Office, ("name", "subdistrict"), ("name",)),
    (m.Neighborhood, ("code", "name", "subdistrict"), ("name", "code")),
    (m.PatrolZone, ("name", "subdistrict"), ("name",)),
    (m.Compound, ("name", "neighborhood"), ("name",)),
    (m.Building, ("name", "compound", "neighborhood"), ("name",)),
    (m.Household, ("address", "neighborhood"), ("address",)),
    (m.Resident, ("name", "household", "id_number_masked", "phone_masked"), ("name",)),
    (m.PartyBranch, ("name", "kind", "is_temporary"), ("name",)),
    (m.Premises, ("name", "kind", "patrol_zone"), ("name",)),
    (m.Organization, ("name", "kind", "credit_code", "contact_phone_masked"), ("name", "credit_code")),
    (m.SupportCadre, ("name", "department", "phone_masked"), ("name",)),
    (m.CommitteeStaff, ("name", "neighborhood", "phone_masked"), ("name",)),
    (m.Volunteer, ("name", "neighborhood", "phone_masked"), ("name",)),
]:
    # The district, its sub-districts and line departments are the superuser's set-up: editable, audited.
    base: type = AuditedAdmin if model in SETUP_MODELS else RegistryAdmin
    admin.site.register(
        model,
        type(f"{model.__name__}Admin", (base,), {"list_display": columns, "search_fields": search}),
    )
