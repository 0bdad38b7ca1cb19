"""The registry's small spreadsheet formats, one model each: organisations, support cadres, volunteers
(registered by ``registry.imports``). Matching: a row with 编号 updates that record; otherwise organisations
match by credit code, cadres and volunteers by the hash of their phone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.bulk import may_write_place
from fangkong.core.choices import Domain, Role
from fangkong.core.exceptions import ConflictError
from fangkong.core.personal import (
    Sealer,
    kind_of,
    validate_mobile_cached,
)
from fangkong.core.scope import Scope, scope_for
from fangkong.core.spreadsheets import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Column,
    Report,
    Row,
    SpreadsheetFormat,
    choice_label,
    parse_bool,
    parse_choice,
    parse_int,
    parse_text,
)
from fangkong.core.validators import validate_credit_code
from fangkong.registry.choices import OrganizationKind
from fangkong.registry.imports_common import (
    PK_COLUMN,
    _masked,
    _may_reveal,
    _plain,
    parse_name,
)
from fangkong.registry.models import (
    LineDepartment,
    Neighborhood,
    Organization,
    PatrolZone,
    Premises,
    SupportCadre,
    Volunteer,
)

# ---------------------------------------------------------------------- small formats: one model each


@dataclass
class SimpleContext:
    actor: Any
    scope: Scope
    sub_id: Any
    commit: bool
    sealer: Sealer
    lookups: dict[str, dict[str, Any]]
    hoods_touched: set[int | None] = field(default_factory=set)
    present: set[str] = field(default_factory=set)


class SimpleFormat(SpreadsheetFormat):
    """A format of one model, one record per row, with a personal phone column.

    Subclasses set ``fields`` (model attribute per column key), ``personal`` (column key → personal field
    name), ``match_personal`` (the personal field that identifies a record) and implement ``lookups`` and
    ``to_fields``. Creates and updates use the model's own validation (full_clean) and write scope; the
    engine writes one audit event per import.
    """

    fields: dict[str, str] = {}
    personal: dict[str, str] = {}
    match_personal: str = ""
    match_field: str = ""
    hood_field: str | None = "neighborhood_id"

    def lookups(self, sub_id: Any, actor: Any) -> dict[str, dict[str, Any]]:
        return {}

    def to_fields(self, ctx: SimpleContext, row: Row, report: Report) -> dict[str, Any] | None:
        """Model field values for a row (attname → value), or None after reporting an error."""
        raise NotImplementedError

    def start(self, *, actor: Any, commit: bool) -> SimpleContext:
        return SimpleContext(
            actor=actor,
            scope=scope_for(actor),
            sub_id=actor.subdistrict_id,
            commit=commit,
            sealer=Sealer(),
            lookups=self.lookups(actor.subdistrict_id, actor),
        )

    def row_key(self, ctx: SimpleContext, row: Row) -> Any:
        if row.values.get("pk") is not None:
            return ("pk", row.values["pk"])
        if self.match_field and row.values.get(self.match_field):
            return (self.match_field, row.values[self.match_field])
        raw = row.values.get(self.match_personal) or ""
        if self.match_personal and raw and not _masked(raw):
            try:
                return ("p", validate_mobile_cached(raw))
            except ValidationError:
                return None
        return None

    def check_batch(self, ctx: SimpleContext, rows: list[Row], report: Report) -> None:
        assert self.model is not None
        model: Any = self.model
        ctx.present = report.present
        sealer = ctx.sealer
        live = []
        for row in rows:
            for key, name in self.personal.items():
                raw = row.values.get(key) or ""
                if raw and not _masked(raw):
                    try:
                        row.data[name] = validate_mobile_cached(raw)
                    except ValidationError as exc:
                        report.error(row, self._header(key), "；".join(exc.messages))
            if not row.ok:
                continue
            fields = self.to_fields(ctx, row, report)
            if fields is None or not row.ok:
                continue
            row.data["fields"] = fields
            live.append(row)
        if not live:
            return
        pks = [r.values["pk"] for r in live if r.values.get("pk") is not None]
        cond = Q(pk__in=pks)
        if self.match_field:
            codes = [r.values[self.match_field] for r in live if r.values.get(self.match_field)]
            cond |= Q(**{f"{self.match_field}__in": codes})
        if self.match_personal:
            name = self.personal[self.match_personal]
            hashes = [sealer.hash(kind_of(model, name), r.data[name]) for r in live if r.data.get(name)]
            cond |= Q(**{f"{name}_hash__in": hashes})
        query = model.objects.filter(cond, subdistrict_id=ctx.sub_id)
        if ctx.commit:
            query = query.select_for_update()
        by_pk = {obj.pk: obj for obj in query}
        by_code = {getattr(o, self.match_field): o for o in by_pk.values()} if self.match_field else {}
        by_hash = {}
        if self.match_personal:
            name = self.personal[self.match_personal]
            by_hash = {getattr(o, f"{name}_hash"): o for o in by_pk.values() if getattr(o, f"{name}_hash")}
        for row in live:
            values, data = row.values, row.data
            obj = None
            if values.get("pk") is not None:
                obj = by_pk.get(values["pk"])
                if obj is None:
                    report.error(row, "编号", _("编号 %(pk)s 的记录不存在。") % {"pk": values["pk"]})
                    continue
            elif self.match_field and values.get(self.match_field):
                obj = by_code.get(values[self.match_field])
            elif self.match_personal and data.get(self.personal[self.match_personal]):
                name = self.personal[self.match_personal]
                obj = by_hash.get(sealer.hash(kind_of(model, name), data[name]))
            fields = data["fields"]
            personal: dict[str, str] = {}
            for key, name in self.personal.items():
                raw = values.get(key) or ""
                if key not in ctx.present:
                    continue
                if _masked(raw):
                    if obj is None or raw != getattr(obj, f"{name}_masked"):
                        report.error(row, self._header(key), _("打码的号码与记录不符。"))
                        break
                    continue
                personal[name] = data.get(name, "")
            if not row.ok:
                continue
            if obj is None:
                action = CREATE
            else:
                changed = any(getattr(obj, k) != v for k, v in fields.items())
                changed = changed or any(
                    getattr(obj, f"{n}_hash") != (sealer.hash(kind_of(model, n), v) if v else "")
                    for n, v in personal.items()
                )
                action = UPDATE if changed else UNCHANGED
            hood_id = fields.get(self.hood_field) if self.hood_field else None
            if action != UNCHANGED:
                old_hood = getattr(obj, self.hood_field) if (obj is not None and self.hood_field) else hood_id
                if not (
                    may_write_place(ctx.scope, ctx.sub_id, hood_id, domain=Domain.REGISTRY)
                    and may_write_place(ctx.scope, ctx.sub_id, old_hood, domain=Domain.REGISTRY)
                ):
                    report.error(row, self._scope_column(), _("该记录超出您的权限范围，无法导入。"))
                    continue
            row.action = action
            report.counts[action] += 1
            data["obj"] = obj
            data["personal"] = personal
            if action != UNCHANGED:
                ctx.hoods_touched.add(hood_id)

    def _header(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)

    def _scope_column(self) -> str:
        return "居民区"

    def write_batch(self, ctx: SimpleContext, rows: list[Row], report: Report) -> None:
        from fangkong.core.services import check_write_scope

        assert self.model is not None
        model: Any = self.model
        now = timezone.now()
        creates = []
        for row in rows:
            obj = row.data["obj"]
            fields = row.data["fields"]
            if obj is None:
                obj = model(subdistrict_id=ctx.sub_id, created_at=now, **fields)
            else:
                for k, v in fields.items():
                    setattr(obj, k, v)
            for name, value in row.data["personal"].items():
                sealed = ctx.sealer.seal(kind_of(model, name), value)
                setattr(obj, f"{name}_enc", sealed[0])
                setattr(obj, f"{name}_hash", sealed[1])
                setattr(obj, f"{name}_masked", sealed[2])
            check_write_scope(ctx.actor, obj)
            try:
                obj.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                report.error(row, self.columns[1].header, "；".join(exc.messages))
                continue
            if row.action == CREATE:
                creates.append(obj)
            else:
                updated = model.objects.filter(pk=obj.pk, version=obj.version).update(
                    version=obj.version + 1,
                    updated_at=now,
                    **{f.attname: getattr(obj, f.attname) for f in self._update_fields(model)},
                )
                if updated != 1:
                    raise ConflictError(_("导入期间有记录被他人修改，请重新上传。"), code="conflict")
        if creates:
            model.objects.bulk_create(creates, batch_size=500)

    def _update_fields(self, model: Any) -> list[Any]:
        skip = {"id", "subdistrict", "created_at", "updated_at", "version"}
        return [f for f in model._meta.concrete_fields if f.name not in skip]

    def audit_target(self, ctx: SimpleContext) -> dict[str, Any]:
        hoods = ctx.hoods_touched
        hood = next(iter(hoods)) if len(hoods) == 1 else None
        return {"subdistrict_id": ctx.sub_id, "neighborhood_id": hood}

    # helpers for subclasses
    def _lookup(
        self, ctx: SimpleContext, row: Row, report: Report, key: str, table: str, *, required: bool = False
    ) -> tuple[bool, Any]:
        name = row.values.get(key)
        if not name:
            return True, None
        found = ctx.lookups[table].get(name)
        if found is None:
            report.error(row, self._header(key), _("“%(n)s”不存在。") % {"n": name})
            return False, None
        return True, found


def _hood_names(sub_id: Any) -> dict[str, int]:
    return dict(Neighborhood.objects.filter(subdistrict_id=sub_id).values_list("name", "id"))


class OrganizationFormat(SimpleFormat):
    slug = "organizations"
    title = gettext_lazy("单位")
    sheet_title = gettext_lazy("单位名单")
    model = Organization
    personal = {"contact_phone": "contact_phone"}
    match_field = "credit_code"
    description = gettext_lazy("按“编号”或统一社会信用代码匹配已登记单位并更新，其余新增。")
    columns = (
        PK_COLUMN,
        Column("name", "名称", True, parse_text(120), gettext_lazy("单位名称"), "上海某某科技有限公司", 28),
        Column(
            "kind",
            "类型",
            False,
            parse_choice(OrganizationKind),
            gettext_lazy("企业、社会组织、区域化党建单位、酒店、养老机构、商铺、机关事业单位；空为企业"),
            "企业",
            12,
            default=OrganizationKind.ENTERPRISE,
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            False,
            validate_credit_code,
            gettext_lazy("18位，按 GB 32100 校验"),
            "91310000MA1FL0000X",
            22,
            default="",
        ),
        Column(
            "industry",
            "行业",
            False,
            parse_text(60),
            gettext_lazy("可选"),
            "软件和信息技术服务业",
            16,
            default="",
        ),
        Column(
            "address", "地址", False, parse_text(200), gettext_lazy("可选"), "万安路100号", 24, default=""
        ),
        Column(
            "hood",
            "居民区",
            False,
            parse_text(50),
            gettext_lazy("所属居民区名称；居委只能导入本居民区的单位"),
            "安汾居民区",
        ),
        Column(
            "premises", "楼宇园区", False, parse_text(100), gettext_lazy("所在楼宇园区名称，须已登记"), "", 16
        ),
        Column("zone", "巡查片区", False, parse_text(50), gettext_lazy("巡查片区名称，须已登记"), "", 12),
        Column("contact_name", "联系人", False, parse_name, gettext_lazy("可选"), "王五", 10, default=""),
        Column(
            "contact_phone", "联系电话", False, parse_text(20), gettext_lazy("11位手机号码"), "13912345678"
        ),
        Column("employees", "员工数", False, parse_int, gettext_lazy("非负整数"), 20, 8),
    )

    def lookups(self, sub_id: Any, actor: Any) -> dict[str, dict[str, Any]]:
        return {
            "hood": _hood_names(sub_id),
            "premises": dict(Premises.objects.filter(subdistrict_id=sub_id).values_list("name", "id")),
            "zone": dict(PatrolZone.objects.filter(subdistrict_id=sub_id).values_list("name", "id")),
        }

    def to_fields(self, ctx: SimpleContext, row: Row, report: Report) -> dict[str, Any] | None:
        v = row.values
        ok1, hood = self._lookup(ctx, row, report, "hood", "hood")
        ok2, premises = self._lookup(ctx, row, report, "premises", "premises")
        ok3, zone = self._lookup(ctx, row, report, "zone", "zone")
        if not (ok1 and ok2 and ok3):
            return None
        fields = {
            "name": v["name"],
            "kind": v["kind"],
            "credit_code": v["credit_code"] or "",
            "industry": v["industry"] or "",
            "address": v["address"] or "",
            "neighborhood_id": hood,
            "premises_id": premises,
            "patrol_zone_id": zone,
            "contact_name": v["contact_name"] or "",
            "employees": v["employees"],
        }
        return {k: val for k, val in fields.items() if self._present(ctx, k)}

    _FIELD_COLUMN = {
        "neighborhood_id": "hood",
        "premises_id": "premises",
        "patrol_zone_id": "zone",
        "employees": "employees",
    }

    def _present(self, ctx: SimpleContext, attname: str) -> bool:
        return attname == "name" or self._FIELD_COLUMN.get(attname, attname) in ctx.present

    def export_queryset(self, user: Any) -> Any:
        return (
            Organization.objects.visible_to(user)
            .select_related("neighborhood", "premises", "patrol_zone")
            .order_by("name", "id")
        )

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        reveal = _may_reveal(user)
        for o in queryset.iterator(chunk_size=2000):
            yield [
                o.pk,
                o.name,
                choice_label(OrganizationKind, o.kind),
                o.credit_code,
                o.industry,
                o.address,
                o.neighborhood.name if o.neighborhood_id else "",
                o.premises.name if o.premises_id else "",
                o.patrol_zone.name if o.patrol_zone_id else "",
                o.contact_name,
                _plain(o.contact_phone_enc, o.contact_phone_masked, reveal),
                o.employees,
            ]


class CadreFormat(SimpleFormat):
    slug = "cadres"
    title = gettext_lazy("下沉干部")
    sheet_title = gettext_lazy("下沉干部名单")
    model = SupportCadre
    roles = (Role.HQ, Role.OFFICE)
    personal = {"phone": "phone"}
    match_personal = "phone"
    hood_field = None
    description = gettext_lazy("按“编号”或手机号码匹配已登记的下沉干部并更新，其余新增。")
    columns = (
        PK_COLUMN,
        Column("name", "姓名", True, parse_name, gettext_lazy("干部姓名"), "李四", 10),
        Column(
            "department",
            "条线部门",
            True,
            parse_text(80),
            gettext_lazy("派出的条线部门名称，须已登记"),
            "区教育局",
            16,
        ),
        Column(
            "phone",
            "手机号码",
            True,
            parse_text(20),
            gettext_lazy("11位手机号码，用于识别同一干部"),
            "13712345678",
        ),
        Column(
            "home", "居住居民区", False, parse_text(50), gettext_lazy("居住地所在居民区名称"), "安汾居民区"
        ),
        Column("party", "党员", False, parse_bool, gettext_lazy("是/否；空为是"), "是", 6, default=True),
        Column(
            "skills", "技能", False, parse_text(200), gettext_lazy("可选，如 医护、驾驶"), "", 20, default=""
        ),
    )

    def lookups(self, sub_id: Any, actor: Any) -> dict[str, dict[str, Any]]:
        from fangkong.registry.models import SubDistrict

        district_id: Any = SubDistrict.objects.filter(pk=sub_id).values_list("district_id", flat=True).first()
        return {
            "hood": _hood_names(sub_id),
            "department": dict(
                LineDepartment.objects.filter(district_id=district_id).values_list("name", "id")
            ),
        }

    def to_fields(self, ctx: SimpleContext, row: Row, report: Report) -> dict[str, Any] | None:
        v = row.values
        ok1, dept = self._lookup(ctx, row, report, "department", "department")
        ok2, home = self._lookup(ctx, row, report, "home", "hood")
        if not (ok1 and ok2):
            return None
        fields = {
            "name": v["name"],
            "department_id": dept,
            "home_neighborhood_id": home,
            "is_party_member": v["party"],
            "skills": v["skills"] or "",
        }
        column = {"home_neighborhood_id": "home", "is_party_member": "party", "department_id": "department"}
        return {k: val for k, val in fields.items() if column.get(k, k) in ctx.present}

    def _scope_column(self) -> str:
        return "姓名"

    def export_queryset(self, user: Any) -> Any:
        return (
            SupportCadre.objects.visible_to(user)
            .select_related("department", "home_neighborhood")
            .order_by("name", "id")
        )

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        reveal = _may_reveal(user)
        for c in queryset.iterator(chunk_size=2000):
            yield [
                c.pk,
                c.name,
                c.department.name,
                _plain(c.phone_enc, c.phone_masked, reveal),
                c.home_neighborhood.name if c.home_neighborhood_id else "",
                "是" if c.is_party_member else "否",
                c.skills,
            ]


class VolunteerFormat(SimpleFormat):
    slug = "volunteers"
    title = gettext_lazy("志愿者")
    sheet_title = gettext_lazy("志愿者名单")
    model = Volunteer
    personal = {"phone": "phone"}
    match_personal = "phone"
    description = gettext_lazy("按“编号”或手机号码匹配已登记的志愿者并更新，其余新增。")
    columns = (
        PK_COLUMN,
        Column("name", "姓名", True, parse_name, gettext_lazy("志愿者姓名"), "赵六", 10),
        Column(
            "phone",
            "手机号码",
            True,
            parse_text(20),
            gettext_lazy("11位手机号码，用于识别同一志愿者"),
            "13612345678",
        ),
        Column(
            "hood",
            "居民区",
            False,
            parse_text(50),
            gettext_lazy("服务的居民区名称；居委只能导入本居民区"),
            "安汾居民区",
        ),
        Column("skills", "技能", False, parse_text(200), gettext_lazy("可选"), "送餐", 20, default=""),
        Column(
            "availability",
            "可服务时间",
            False,
            parse_text(200),
            gettext_lazy("可选，如 工作日晚上"),
            "周末",
            16,
            default="",
        ),
        Column("party", "党员", False, parse_bool, gettext_lazy("是/否；空为否"), "否", 6, default=False),
    )

    def lookups(self, sub_id: Any, actor: Any) -> dict[str, dict[str, Any]]:
        return {"hood": _hood_names(sub_id)}

    def to_fields(self, ctx: SimpleContext, row: Row, report: Report) -> dict[str, Any] | None:
        v = row.values
        ok, hood = self._lookup(ctx, row, report, "hood", "hood")
        if not ok:
            return None
        fields = {
            "name": v["name"],
            "neighborhood_id": hood,
            "skills": v["skills"] or "",
            "availability": v["availability"] or "",
            "is_party_member": v["party"],
        }
        column = {"neighborhood_id": "hood", "is_party_member": "party"}
        return {k: val for k, val in fields.items() if column.get(k, k) in ctx.present}

    def export_queryset(self, user: Any) -> Any:
        return Volunteer.objects.visible_to(user).select_related("neighborhood").order_by("name", "id")

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        reveal = _may_reveal(user)
        for v in queryset.iterator(chunk_size=2000):
            yield [
                v.pk,
                v.name,
                _plain(v.phone_enc, v.phone_masked, reveal),
                v.neighborhood.name if v.neighborhood_id else "",
                v.skills,
                v.availability,
                "是" if v.is_party_member else "否",
            ]
