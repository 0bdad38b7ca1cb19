"""Firms and the zone boundary: adding a firm found on site (or by hand), the boundary and exempt rows,
re-mapping zones, and the duplicate review (merge or keep apart)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit, personal
from fangkong.core.choices import AuditAction
from fangkong.core.services import check_write_scope, create_object, update_object
from fangkong.inspections import addresses
from fangkong.inspections.choices import DuplicateState, FirmSource
from fangkong.inspections.models import DuplicatePair, ExemptCategory, Firm, ZoneRule
from fangkong.registry.choices import OrganizationKind
from fangkong.registry.models import Organization, Premises

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_valid(code: str) -> bool:
    """GB 32100's rule for a folded code (what ``stdnum.cn.uscc.is_valid`` answers, without its generic
    cleaning, which was a third of a census import): 18 characters, the first 8 digits, the rest from the
    code's alphabet, the last the check character of the first 17."""
    if len(code) != 18 or not all(c in "0123456789" for c in code[:8]):
        return False
    values: list[int] = []
    for c in code:
        value = _USCC_VALUE.get(c)
        if value is None:
            return False
        values.append(value)
    total = sum(v * w for v, w in zip(values[:17], _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total) % 31] == code[17]


def clean_credit_code(raw: str) -> str:
    """A unified social credit code, upper case without spaces; ValidationError when its check digit (GB
    32100) is wrong. Blank stays blank (the census lists some units without one)."""
    code = addresses.fold(raw or "")
    if not code:
        return ""
    if not uscc_valid(code):
        raise ValidationError(_("统一社会信用代码无效（18位，末位校验码须正确）。"), code="credit_code")
    return code


SECTIONS = "ABCDEFGHIJKLMNOPQRST"  # the sections (门类) of GB/T 4754-2017


def clean_industry_code(raw: str) -> str:
    """A GB/T 4754 code: a section letter and up to 4 digits ("C", "C39", "C3911"), or 2–4 digits."""
    code = addresses.fold(raw or "")
    if code and not (
        (code[0] in SECTIONS and code[1:].isdigit() and len(code) <= 5)
        or (code.isdigit() and 2 <= len(code) <= 4)
    ):
        raise ValidationError(_("行业代码应为门类字母加数字，如 C3911、F52。"), code="industry_code")
    return code


def zone_index(subdistrict_id: int) -> dict[str, list[addresses.Boundary]]:
    rows = ZoneRule.objects.filter(subdistrict_id=subdistrict_id).values_list(
        "road", "zone_id", "from_number", "to_number", "parity"
    )
    return addresses.index_rules(addresses.Boundary(*row) for row in rows)


def find_exempt(categories: list[tuple[int, list[str]]], industry_code: str) -> int | None:
    """The exempt category whose longest prefix matches the industry code (None: not exempt). A prefix may
    name the section letter ("F52") or the digits alone ("52")."""
    code = industry_code.upper()
    digits = code.lstrip(SECTIONS)
    best: tuple[int, int] | None = None
    for pk, prefixes in categories:
        for prefix in prefixes:
            if code.startswith(prefix) or (prefix.isdigit() and digits.startswith(prefix)):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), pk)
    return best[1] if best else None


def exempt_rows(subdistrict_id: int) -> list[tuple[int, list[str]]]:
    return [(c.pk, c.prefixes) for c in ExemptCategory.objects.filter(subdistrict_id=subdistrict_id)]


def match_premises(premises: list[tuple[int, str, str, int | None, int | None]], address: str) -> Any:
    """The premises whose name (or address) the firm's address names: (id, neighborhood id, zone id).
    ``premises`` are ``premises_rows``: their names and addresses already folded into keys."""
    key = addresses.address_key(address)
    for pk, name_key, p_key, hood_id, zone_id in premises:
        if name_key and name_key in key:
            return pk, hood_id, zone_id
        if p_key and key.startswith(p_key):
            return pk, hood_id, zone_id
    return None


def premises_rows(subdistrict_id: int) -> list[tuple[int, str, str, int | None, int | None]]:
    """The sub-district's premises as (id, folded name, address key, neighborhood id, zone id), folded once
    per import rather than once per row."""
    rows = (
        Premises.objects.filter(subdistrict_id=subdistrict_id)
        .order_by("pk")
        .values_list("pk", "name", "address", "neighborhood_id", "patrol_zone_id")
    )
    return [
        (pk, addresses.fold(name), addresses.address_key(address), hood, zone)
        for pk, name, address, hood, zone in rows
    ]


@transaction.atomic(durable=True)
def add_firm(**kwargs: Any) -> Firm:
    """The firm form's on-site finding, in its own transaction (``create_firm``)."""
    return create_firm(**kwargs)


@transaction.atomic
def create_firm(
    *,
    actor: Any,
    subdistrict_id: int,
    name: str,
    address: str,
    credit_code: str = "",
    industry_code: str = "",
    legal_rep: str = "",
    contact_phone: str = "",
    employees: int | None = None,
    source: str = FirmSource.ON_SITE,
    neighborhood_id: int | None = None,
    note: str = "",
) -> Firm:
    """Add a firm that is not in the census (an on-site finding, source marked) as a registry organisation
    and its firm row: zone from the boundary, premises from the address, exempt category from the industry
    code. A firm already known by credit code is refused; one with the same name and address is kept and
    listed for the duplicate review."""
    errors: dict[str, list[str]] = {}
    try:
        code = clean_credit_code(credit_code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
        code = ""
    try:
        industry = clean_industry_code(industry_code)
    except ValidationError as exc:
        errors["industry_code"] = exc.messages
        industry = ""
    if not name.strip():
        errors["name"] = [_("请填写单位名称。")]
    if errors:
        raise ValidationError(errors)
    if code and Organization.objects.filter(subdistrict_id=subdistrict_id, credit_code=code).exists():
        raise ValidationError({"credit_code": [_("该统一社会信用代码已登记。")]})
    place = addresses.parse_address(address)
    matched = match_premises(premises_rows(subdistrict_id), address)
    premises_id, hood_id, zone_id = matched if matched else (None, None, None)
    zone_id = addresses.zone_in_index(zone_index(subdistrict_id), place) or zone_id
    hood = neighborhood_id or hood_id
    name_key = addresses.name_key(name)[:120]
    address_key = addresses.address_key(address)[:200]
    firm = Firm(
        subdistrict_id=subdistrict_id,
        neighborhood_id=hood,
        source=source,
        industry_code=industry,
        legal_rep=legal_rep.strip(),
        road=place.road,
        house_number=place.number,
        name_key=name_key,
        address_key=address_key,
        exempt_id=find_exempt(exempt_rows(subdistrict_id), industry) if industry else None,
    )
    check_write_scope(actor, firm)  # the firm's scope decides: the office need not hold the registry domain
    org = Organization(
        subdistrict_id=subdistrict_id,
        neighborhood_id=hood,
        premises_id=premises_id,
        patrol_zone_id=zone_id,
        name=name.strip(),
        kind=OrganizationKind.ENTERPRISE,
        credit_code=code,
        industry=industry,
        address=address.strip(),
        employees=employees,
    )
    if contact_phone:
        personal.set_columns(org, {"contact_phone": contact_phone})
    org.full_clean()
    org.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=org, changes=audit.snapshot(org), note=note)
    firm.organization = org
    create_object(actor=actor, obj=firm, note=note)
    for other in (
        Firm.objects.filter(
            subdistrict_id=subdistrict_id,
            name_key=firm.name_key,
            address_key=firm.address_key,
            merged_into__isnull=True,
        )
        .exclude(pk=firm.pk)
        .order_by("pk")[:5]
    ):
        DuplicatePair.objects.get_or_create(
            subdistrict_id=subdistrict_id,
            firm_id=min(other.pk, firm.pk),
            other_id=max(other.pk, firm.pk),
            defaults={"reason": str(_("名称和地址相同"))},
        )
    return firm


@transaction.atomic(durable=True)
def save_zone_rule(*, actor: Any, rule: ZoneRule) -> ZoneRule:
    """Create or change a boundary row (the firms are re-mapped by ``remap_zones``)."""
    if rule.pk is None:
        return create_object(actor=actor, obj=rule)
    return update_object(actor=actor, obj=rule)


@transaction.atomic(durable=True)
def save_exempt_category(*, actor: Any, category: ExemptCategory) -> ExemptCategory:
    if category.pk is None:
        create_object(actor=actor, obj=category)
    else:
        update_object(actor=actor, obj=category)
    cats = exempt_rows(category.subdistrict_id)
    for firm in Firm.objects.filter(subdistrict_id=category.subdistrict_id).exclude(industry_code=""):
        exempt = find_exempt(cats, firm.industry_code)
        if exempt != firm.exempt_id:
            Firm.objects.filter(pk=firm.pk).update(exempt_id=exempt)
    return category


@transaction.atomic(durable=True)
def remap_zones(*, actor: Any, subdistrict_id: int) -> int:
    """Apply the boundary to every firm of the sub-district (their organisations' patrol zone); returns how
    many changed. Only sub-district-wide writers may."""
    check_write_scope(actor, ZoneRule(subdistrict_id=subdistrict_id))
    index = zone_index(subdistrict_id)
    changed = []
    rows = Firm.objects.filter(subdistrict_id=subdistrict_id).values_list(
        "organization_id", "road", "house_number", "organization__patrol_zone_id"
    )
    for org_id, road, number, current in rows:
        zone = addresses.zone_in_index(index, addresses.Place(road, number))
        if zone is not None and zone != current:
            changed.append((org_id, zone))
    by_zone: dict[int, list[int]] = {}
    for org_id, zone in changed:
        by_zone.setdefault(zone, []).append(org_id)
    for zone, org_ids in by_zone.items():
        Organization.objects.filter(pk__in=org_ids).update(patrol_zone_id=zone)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        object_type="inspections.zonerule",
        object_repr=str(_("按片区规则重新划分")),
        changes={"changed": len(changed)},
        subdistrict_id=subdistrict_id,
    )
    return len(changed)


@transaction.atomic(durable=True)
def decide_duplicate(*, actor: Any, pair: DuplicatePair, merge: bool) -> DuplicatePair:
    """Merge the later firm of a likely-duplicate pair into the earlier one (its calls and applications move
    over, it leaves the lists and is marked merged) or mark the two as different units."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.state != DuplicateState.OPEN:
        raise ValidationError(_("这对企业已核对过。"), code="decided")
    keep, drop = Firm.objects.get(pk=pair.firm_id), Firm.objects.get(pk=pair.other_id)
    check_write_scope(actor, keep)
    check_write_scope(actor, drop)
    if merge:
        from fangkong.inspections.models import Application, Call, StatusChange

        Call.objects.filter(firm=drop).update(firm=keep)
        Application.objects.filter(firm=drop).update(firm=keep, organization_id=keep.organization_id)
        StatusChange.objects.filter(firm=drop).update(firm=keep)
        Firm.objects.filter(pk=drop.pk).update(merged_into=keep)
        DuplicatePair.objects.filter(state=DuplicateState.OPEN, other=drop).exclude(pk=pair.pk).update(
            state=DuplicateState.MERGED
        )
        if not keep.organization.credit_code and drop.organization.credit_code:
            code = drop.organization.credit_code
            Organization.objects.filter(pk=drop.organization_id).update(credit_code="")
            Organization.objects.filter(pk=keep.organization_id).update(credit_code=code)
    pair.state = DuplicateState.MERGED if merge else DuplicateState.DISTINCT
    pair.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=keep,
        changes={"merged": drop.pk} if merge else {"distinct_from": drop.pk},
        note=str(_("合并疑似重复企业") if merge else _("核对为不同企业")),
    )
    return pair
