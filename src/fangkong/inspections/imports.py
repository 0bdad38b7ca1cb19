"""Spreadsheet format: the 四经普 census list of firms (unit name, unified social credit code, address,
GB/T 4754 industry code, legal representative, contact phone, employees).

Each row is one unit. The preview shows every row's errors (a credit code with a wrong check digit, an
industry code that is not one) before anything is written, and the commit writes all or nothing.

Deduplication: a row whose credit code is already registered (a registry organisation, or an earlier row of
the same file) is not added again; the organisation gets its firm row when it has none. A row without a match
by code but with the same normalised name and address as a known firm is added and listed for the duplicate
review (staff merge it or keep it apart). Each new firm is mapped to its premises (by the address naming a
tower or park) and to its patrol zone (the sub-district's boundary rows; the premises' zone otherwise).

The writes go through ``core.bulk.BulkWriter`` (scope, versions, counts), a few statements per batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.core import personal
from fangkong.core.bulk import BulkWriter, reserve_ids
from fangkong.core.choices import Domain, Role
from fangkong.core.spreadsheets import (
    UNCHANGED,
    Column,
    Report,
    Row,
    SpreadsheetFormat,
    memoized,
    parse_int,
    parse_text,
    register,
)
from fangkong.inspections import addresses
from fangkong.inspections.choices import DuplicateState, FirmSource, FirmStatus
from fangkong.inspections.models import DuplicatePair, Firm
from fangkong.inspections.services import firms as firm_services
from fangkong.registry.choices import OrganizationKind
from fangkong.registry.models import Organization

ORG_FIELDS = (
    "id",
    "subdistrict_id",
    "neighborhood_id",
    "premises_id",
    "patrol_zone_id",
    "name",
    "kind",
    "credit_code",
    "industry",
    "address",
    "contact_name",
    "contact_phone_enc",
    "contact_phone_hash",
    "contact_phone_masked",
    "employees",
)
FIRM_FIELDS = (
    "id",
    "subdistrict_id",
    "neighborhood_id",
    "organization_id",
    "source",
    "status",
    "status_at",
    "industry_code",
    "legal_rep",
    "road",
    "house_number",
    "name_key",
    "address_key",
    "exempt_id",
)
PAIR_FIELDS = ("subdistrict_id", "firm_id", "other_id", "reason", "state")


@memoized
def parse_credit_code(value: str) -> str:
    return firm_services.clean_credit_code(value)


@memoized
def parse_industry_code(value: str) -> str:
    return firm_services.clean_industry_code(value)


@dataclass
class CensusContext:
    actor: Any
    sub_id: int
    orgs_by_code: dict[str, tuple[int, bool]]  # credit code -> (organisation id, has a firm row)
    firms_by_key: dict[tuple[str, str], int]  # (name key, address key) -> firm id
    codeless: dict[tuple[str, str], int]  # the same, of firms without a credit code
    zones: dict[str, list[addresses.Boundary]]
    premises: list[tuple[int, str, str, int | None, int | None]]
    exempt: list[tuple[int, list[str]]]
    writer: BulkWriter
    sealer: personal.Sealer = field(default_factory=personal.Sealer)
    file_codes: set[str] = field(default_factory=set)
    file_keys: dict[tuple[str, str], str] = field(default_factory=dict)  # key -> credit code ("": none)
    pairs: int = 0


class CensusFormat(SpreadsheetFormat):
    slug = "inspections-census"
    title = gettext_lazy("四经普企业名录")
    sheet_title = gettext_lazy("企业名录")
    model = Firm
    roles = (Role.HQ, Role.OFFICE)
    domain = Domain.INSPECTIONS
    batch_size = 1000
    description = gettext_lazy(
        "每行一家单位（第四次全国经济普查名录）。统一社会信用代码已登记的单位不重复新增；"
        "没有代码或代码不同、但名称和地址相同的单位照常新增，并列入“疑似重复”由工作人员核对合并。"
        "按地址对应楼宇园区，按片区划分规则对应巡查片区。"
    )
    columns = (
        Column(
            "name",
            "单位详细名称",
            True,
            parse_text(120),
            gettext_lazy("单位全称"),
            "上海蓝桥科技有限公司",
            26,
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            False,
            parse_credit_code,
            gettext_lazy("18位，校验码须正确；个体户可空"),
            "91310109MA1G5XKX3Y",
            22,
            default="",
        ),
        Column("address", "单位地址", True, parse_text(200), gettext_lazy("道路、门牌号"), "万安路123号", 26),
        Column(
            "industry_code",
            "行业代码",
            False,
            parse_industry_code,
            gettext_lazy("GB/T 4754，如 I6510、F5211"),
            "I6510",
            10,
            default="",
        ),
        Column(
            "legal_rep", "法定代表人", False, parse_text(50), gettext_lazy("姓名"), "张三", 10, default=""
        ),
        Column(
            "phone",
            "联系电话",
            False,
            parse_text(20),
            gettext_lazy("手机号码"),
            "13812345678",
            14,
            default="",
        ),
        Column("employees", "从业人员", False, parse_int, gettext_lazy("人数"), "35", 8),
    )

    def allowed(self, user: Any) -> bool:
        return super().allowed(user) and bool(getattr(user, "subdistrict_id", None))

    def start(self, *, actor: Any, commit: bool) -> CensusContext:
        sub_id = actor.subdistrict_id
        orgs = Organization.objects.filter(subdistrict_id=sub_id).exclude(credit_code="")
        with_firm = set(Firm.objects.filter(subdistrict_id=sub_id).values_list("organization_id", flat=True))
        return CensusContext(
            actor=actor,
            sub_id=sub_id,
            orgs_by_code={code: (pk, pk in with_firm) for pk, code in orgs.values_list("pk", "credit_code")},
            firms_by_key={
                (n, a): pk
                for pk, n, a in Firm.objects.filter(subdistrict_id=sub_id, merged_into__isnull=True)
                .order_by("-pk")
                .values_list("pk", "name_key", "address_key")
            },
            codeless={
                (n, a): pk
                for pk, n, a in Firm.objects.filter(
                    subdistrict_id=sub_id, merged_into__isnull=True, organization__credit_code=""
                ).values_list("pk", "name_key", "address_key")
            },
            zones=firm_services.zone_index(sub_id),
            premises=firm_services.premises_rows(sub_id),
            exempt=firm_services.exempt_rows(sub_id),
            writer=BulkWriter(actor=actor, domain=Domain.INSPECTIONS),
        )

    def check_batch(self, ctx: CensusContext, rows: list[Row], report: Report) -> None:
        for row in rows:
            if not row.ok:
                continue
            v = row.values
            code = v.get("credit_code") or ""
            if code and code in ctx.file_codes:
                report.warn(row, "统一社会信用代码", "与前面的行代码相同，按同一单位处理，本行不再新增。")
                row.action = UNCHANGED
            elif code and code in ctx.orgs_by_code:
                row.action = UNCHANGED if ctx.orgs_by_code[code][1] else "update"
            else:
                row.action = "create"
            key = (addresses.name_key(v["name"])[:120], addresses.address_key(v["address"])[:200])
            row.data["key"] = key
            if not code and (key in ctx.codeless or ctx.file_keys.get(key) == ""):
                report.warn(
                    row, "单位详细名称", "名称和地址与已有的无代码单位相同，按同一单位处理，不再新增。"
                )
                row.action = UNCHANGED
            if code:
                ctx.file_codes.add(code)
            phone = str(v.get("phone") or "")
            if phone and row.action != UNCHANGED:
                try:
                    v["phone"] = personal.validate_mobile_cached(phone)
                except ValidationError:
                    report.warn(row, "联系电话", "不是有效的手机号码，未保存。")
                    v["phone"] = ""
            if row.action == "create" and (key in ctx.firms_by_key or key in ctx.file_keys):
                report.warn(row, "单位详细名称", "名称和地址与已有单位相同，已列入疑似重复待核对。")
            if row.action == "create" and (key not in ctx.file_keys or not code):
                ctx.file_keys[key] = code
            report.counts[row.action] += 1

    def write_batch(self, ctx: CensusContext, rows: list[Row], report: Report) -> None:
        # in file order: a code-less duplicate is paired with the row before it, whether that row makes a new
        # organisation or links an existing one
        written = [r for r in rows if r.action in ("create", "update")]
        new_orgs = iter(reserve_ids(Organization, sum(1 for r in written if r.action == "create")))
        firm_ids = reserve_ids(Firm, len(written))
        now = timezone.now()
        org_rows, firm_rows, pairs = [], [], []
        ids = iter(firm_ids)
        for row in written:
            org_id = next(new_orgs) if row.action == "create" else None
            v = row.values
            place = addresses.parse_address(v["address"])
            matched = firm_services.match_premises(ctx.premises, v["address"])
            premises_id, hood_id, zone_id = matched if matched else (None, None, None)
            zone_id = addresses.zone_in_index(ctx.zones, place) or zone_id
            industry = v.get("industry_code") or ""
            if org_id is None:
                org_id = ctx.orgs_by_code[v["credit_code"]][0]
                ctx.orgs_by_code[v["credit_code"]] = (org_id, True)
            else:
                sealed = ctx.sealer.seal(personal.PHONE, v["phone"]) if v.get("phone") else personal.EMPTY
                org_rows.append(
                    (
                        org_id,
                        ctx.sub_id,
                        hood_id,
                        premises_id,
                        zone_id,
                        v["name"],
                        OrganizationKind.ENTERPRISE,
                        v.get("credit_code") or "",
                        industry,
                        v["address"],
                        "",
                        sealed.enc,
                        sealed.hash,
                        sealed.masked,
                        v.get("employees"),
                    )
                )
            firm_id = next(ids)
            name_key, address_key = row.data["key"]
            other = ctx.firms_by_key.get((name_key, address_key))
            if other is not None and row.action == "create":
                pairs.append(
                    (
                        ctx.sub_id,
                        min(other, firm_id),
                        max(other, firm_id),
                        "名称和地址相同",
                        DuplicateState.OPEN,
                    )
                )
            ctx.firms_by_key[(name_key, address_key)] = firm_id
            if not v.get("credit_code"):
                ctx.codeless[(name_key, address_key)] = firm_id
            firm_rows.append(
                (
                    firm_id,
                    ctx.sub_id,
                    hood_id,
                    org_id,
                    FirmSource.CENSUS,
                    FirmStatus.NOT_RESUMED,
                    now,
                    industry,
                    v.get("legal_rep") or "",
                    place.road,
                    place.number,
                    name_key,
                    address_key,
                    firm_services.find_exempt(ctx.exempt, industry) if industry else None,
                )
            )
        ctx.writer.insert(Organization, ORG_FIELDS, org_rows)
        ctx.writer.insert(Firm, FIRM_FIELDS, firm_rows)
        ctx.writer.insert(DuplicatePair, PAIR_FIELDS, pairs)
        ctx.pairs += len(pairs)

    def audit_changes(self, ctx: CensusContext) -> dict[str, Any]:
        return {**dict(ctx.writer.counts), "likely_duplicates": ctx.pairs}

    def close(self, ctx: CensusContext) -> None:
        ctx.writer.close()

    def export_queryset(self, user: Any) -> Any:
        return Firm.objects.visible_to(user).filter(merged_into__isnull=True)

    def export_rows(self, user: Any, queryset: Any) -> Any:
        reveal = bool(
            getattr(user, "is_superuser", False) or getattr(user, "may_reveal_personal_data", False)
        )
        from fangkong.core import crypto

        for f in queryset.select_related("organization").order_by("pk").iterator(2000):
            org = f.organization
            phone = crypto.decrypt(org.contact_phone_enc) if reveal and org.contact_phone_enc else ""
            yield [org.name, org.credit_code, org.address, f.industry_code, f.legal_rep, phone, org.employees]


register(CensusFormat())
