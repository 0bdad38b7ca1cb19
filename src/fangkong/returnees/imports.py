"""Spreadsheet format: a neighborhood committee's screening list of returnees (排摸名单).

Each row is one declaration. Rows go through the same service as the web form
(``services.declare_return``): the same validation, merge of the same person's same trip, classification
and isolation. The preview shows every row's errors before anything is written; the commit is atomic.

Round trip: the export carries the record key (编号). A row with a 编号 is matched to that declaration (in
the importer's scope), not by the ID number, because an export for a user without the reveal permission
shows ID and phone numbers masked. A masked cell that equals the record's masked value means "unchanged";
the stored value is used. A row whose cells all equal the record is left unchanged (nothing is written), so
an export re-imported as it is changes nothing. Rows without a 编号 are matched by ID number, arrival date
and train/flight/plate as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.core import crypto, personal
from fangkong.core.choices import DocumentType, Domain, Role
from fangkong.core.spreadsheets import (
    UNCHANGED,
    Column,
    Report,
    Row,
    SpreadsheetFormat,
    choice_label,
    parse_bool,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    register,
    reimported,
)
from fangkong.returnees import services
from fangkong.returnees.choices import Source, Transport
from fangkong.returnees.models import Declaration

FIELD_HEADERS = {
    "building_id": "楼号",
    "room": "室号",
    "name": "姓名",
    "id_number": "证件号码",
    "phone": "手机号码",
    "origin_code": "来沪前所在地区代码",
    "transport": "交通方式",
    "transport_number": "车次/航班/车牌",
    "departure_date": "出发日期",
    "arrival_date": "抵沪日期",
    "temperature": "体温",
}


@dataclass
class ScreeningContext:
    actor: Any
    buildings: dict[tuple[str, str, str], int]
    seen: set[tuple[str, str, str]] = field(default_factory=set)


class ScreeningFormat(SpreadsheetFormat):
    slug = "returnees-screening"
    title = gettext_lazy("返沪人员排摸名单")
    sheet_title = gettext_lazy("排摸名单")
    model = Declaration
    roles = (Role.HQ, Role.OFFICE, Role.STAFF)
    domain = Domain.RETURNEES
    batch_size = 500
    description = gettext_lazy(
        "每行一位返沪人员。楼栋须已登记；同一人同一行程（证件号码、抵沪日期、车次）已申报的合并更新。"
        "按风险规则分类，需要时自动开始居家隔离。"
        "导出表的“编号”列是记录编号：带编号的行按编号对应原记录（须在您的管辖范围内），不按证件号码匹配；"
        "没有查看明文权限的用户导出的证件号码、手机号码是脱敏的，原样导回时沿用原记录的号码，"
        "与原记录完全相同的行不作改动，因此导出表原样导入不会改变任何数据。"
        "带编号的行不能改为另一人或另一行程（证件号码、抵沪日期、车次须与原记录一致）；新增人员请留空编号。"
    )
    columns = (
        Column(
            "pk",
            "编号",
            False,
            parse_int,
            gettext_lazy("记录编号，导出时自动生成；新增人员留空"),
            "",
            8,
        ),
        Column("hood", "居民区", True, parse_text(50), gettext_lazy("居民区名称，须已存在"), "安汾居民区"),
        Column("compound", "小区", True, parse_text(80), gettext_lazy("小区名称，须已存在"), "安汾小区", 14),
        Column("building", "楼号", True, parse_text(40), gettext_lazy("楼栋号，须已存在"), "1号", 8),
        Column("room", "室号", True, parse_text(20), gettext_lazy("室号"), "502", 8),
        Column("name", "姓名", True, parse_text(50), gettext_lazy("姓名"), "张三", 10),
        Column(
            "doc_type",
            "证件类型",
            False,
            parse_choice(DocumentType),
            gettext_lazy("空为居民身份证"),
            "居民身份证",
            default=DocumentType.RESIDENT_ID,
        ),
        Column(
            "id_number",
            "证件号码",
            True,
            parse_text(40),
            gettext_lazy("身份证号须18位"),
            "420102199001011234",
            22,
        ),
        Column("phone", "手机号码", True, parse_text(20), gettext_lazy("11位手机号码"), "13812345678", 14),
        Column(
            "origin_code",
            "来沪前所在地区代码",
            True,
            parse_text(6),
            gettext_lazy("GB/T 2260 六位代码，省或地级市，如 420100（武汉市）"),
            "420100",
            12,
        ),
        Column(
            "origin_name",
            "来沪前所在地区",
            False,
            parse_text(60),
            gettext_lazy("GB/T 2260 名称，导出时按代码填写；导入时以代码为准"),
            "湖北省武汉市",
            14,
            default="",
        ),
        Column(
            "transport",
            "交通方式",
            True,
            parse_choice(Transport),
            gettext_lazy("火车、飞机、长途客车、自驾、轮渡"),
            "火车",
        ),
        Column(
            "transport_number",
            "车次/航班/车牌",
            False,
            parse_text(20),
            gettext_lazy("自驾可填车牌"),
            "G1722",
            12,
            default="",
        ),
        Column(
            "departure_date", "出发日期", True, parse_date, gettext_lazy("如 2020-02-01"), "2020-02-01", 12
        ),
        Column(
            "arrival_date",
            "抵沪日期",
            True,
            parse_date,
            gettext_lazy("如 2020-02-02；不能在未来"),
            "2020-02-02",
            12,
        ),
        Column("key_area", "重点地区", False, parse_bool, gettext_lazy("是/否"), "是", 8, default=False),
        Column("exposure", "接触史", False, parse_bool, gettext_lazy("是/否"), "否", 8, default=False),
        Column("symptoms", "有症状", False, parse_bool, gettext_lazy("是/否"), "否", 8, default=False),
        Column("employer", "工作单位", False, parse_text(120), gettext_lazy("可选"), "", 20, default=""),
        Column(
            "members",
            "同住人员",
            False,
            parse_text(300),
            gettext_lazy("姓名（关系），用顿号分隔"),
            "李四（配偶）",
            20,
            default="",
        ),
    )

    def start(self, *, actor: Any, commit: bool) -> ScreeningContext:
        from fangkong.registry.models import Building

        rows = Building.objects.editable_by(actor).values_list(
            "pk", "neighborhood__name", "compound__name", "name"
        )
        return ScreeningContext(actor=actor, buildings={(h, c, n): pk for pk, h, c, n in rows})

    def row_key(self, ctx: ScreeningContext, row: Row) -> Any:
        v = row.values
        if v.get("pk"):
            return ("pk", v["pk"])
        if not v.get("id_number"):
            return None
        return (
            personal.normalize_id_number(str(v["id_number"])),
            str(v.get("arrival_date")),
            str(v.get("transport_number", "")).upper(),
        )

    def _input(self, ctx: ScreeningContext, row: Row) -> services.DeclarationInput | None:
        v = row.values
        building_id = ctx.buildings.get((v["hood"], v["compound"], v["building"]))
        members = []
        for part in str(v.get("members") or "").replace(",", "、").split("、"):
            part = part.strip()
            if part:
                name, _sep, relation = part.partition("（")
                members.append({"name": name.strip(), "relation": relation.rstrip("）").strip()})
        return services.DeclarationInput(
            building_id=building_id or 0,
            room=v["room"],
            name=v["name"],
            doc_type=v.get("doc_type") or DocumentType.RESIDENT_ID,
            id_number=v["id_number"],
            phone=v["phone"],
            origin_code=v["origin_code"],
            transport=v["transport"],
            transport_number=v.get("transport_number") or "",
            departure_date=v["departure_date"],
            arrival_date=v["arrival_date"],
            key_area=bool(v.get("key_area")),
            exposure=bool(v.get("exposure")),
            symptoms=bool(v.get("symptoms")),
            employer_name=v.get("employer") or "",
            household_members=members,
        )

    def check_batch(self, ctx: ScreeningContext, rows: list[Row], report: Report) -> None:
        today = timezone.localdate()
        keys = {row.values["pk"] for row in rows if row.ok and row.values.get("pk")}
        records = (
            Declaration.objects.editable_by(ctx.actor)
            .select_related("neighborhood", "building__compound")
            .in_bulk(keys)
            if keys
            else {}
        )
        for row in rows:
            if not row.ok:
                continue
            record = None
            if row.values.get("pk"):
                record = records.get(row.values["pk"])
                if record is None:
                    report.error(
                        row, "编号", "编号对应的申报不存在或不在您的管辖范围内；新增人员请留空编号。"
                    )
                    continue
                if not self._resolve_identity(row, record, report):
                    continue
            data = self._input(ctx, row)
            assert data is not None
            if not data.building_id:
                report.error(row, "楼号", "楼栋不存在或不在您的管辖范围内：居民区、小区、楼号须与台账一致。")
                continue
            try:
                clean = services.clean_declaration(data, today=today)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    report.error(row, FIELD_HEADERS.get(key, key), " ".join(messages))
                continue
            for warning in clean.get("warnings", []):
                report.warn(row, "证件号码", warning)
            if record is not None:
                if (data.arrival_date, clean["transport_number"]) != (
                    record.arrival_date,
                    record.transport_number,
                ):
                    report.error(
                        row,
                        "抵沪日期",
                        "编号对应的申报行程（抵沪日期、车次/航班/车牌）与本行不一致；新的行程请留空编号后导入。",
                    )
                    continue
                row.action = UNCHANGED if self._same_as(row, record, report.present) else "update"
            else:
                building = clean["building"]
                exists = (
                    Declaration.objects.editable_by(ctx.actor)
                    .filter(
                        subdistrict_id=building.subdistrict_id,
                        id_number_hash=crypto.lookup_hash("id_number", clean["id_number"]),
                        arrival_date=data.arrival_date,
                        transport_number=clean["transport_number"],
                    )
                    .exists()
                )
                row.action = "update" if exists else "create"
            report.counts[row.action] += 1
            row.data["input"] = data

    def _resolve_identity(self, row: Row, record: Declaration, report: Report) -> bool:
        """For a row matched by 编号: a masked ID or phone cell equal to the record's masked value stands for
        the stored value (used internally, never shown). Another person's ID number is refused."""
        v = row.values
        id_cell = personal.normalize_id_number(str(v.get("id_number") or ""))
        if id_cell == record.id_number_masked.upper() and record.id_number_enc:
            v["id_number"] = crypto.decrypt(record.id_number_enc)
        elif personal.lookup_hash("id_number", id_cell) != record.id_number_hash:
            report.error(row, "证件号码", "证件号码与编号对应的记录不一致；新增人员请留空编号。")
            return False
        phone_cell = str(v.get("phone") or "").strip()
        if phone_cell == record.phone_masked and record.phone_enc:
            v["phone"] = crypto.decrypt(record.phone_enc)
        return True

    def _same_as(self, row: Row, record: Declaration, present: set[str]) -> bool:
        """Do the row's cells (the columns the file has) say exactly what the record says?"""
        v = row.values
        if (
            personal.lookup_hash("id_number", personal.normalize_id_number(str(v["id_number"])))
            != record.id_number_hash
        ):
            return False
        if (
            "phone" in present
            and personal.lookup_hash("phone", personal.normalize_phone(str(v["phone"]))) != record.phone_hash
        ):
            return False
        for column, cell in zip(self.columns, self._cells(record, reveal=False), strict=True):
            if column.key in ("pk", "id_number", "phone") or column.key not in present:
                continue
            text = reimported(cell)  # the cell as an export re-imports it
            expected = (column.parse(text) if column.parse else text) if text else column.default
            if v.get(column.key) != expected:
                return False
        return True

    def write_batch(self, ctx: ScreeningContext, rows: list[Row], report: Report) -> None:
        for row in rows:
            services.declare_return(actor=ctx.actor, data=row.data["input"], source=Source.IMPORT)

    def export_rows(self, user: Any, queryset: Any) -> Any:
        reveal = bool(
            getattr(user, "is_superuser", False) or getattr(user, "may_reveal_personal_data", False)
        )
        for d in queryset.select_related("neighborhood", "building__compound").order_by("pk").iterator(2000):
            yield self._cells(d, reveal=reveal)

    def _cells(self, d: Declaration, *, reveal: bool) -> list[Any]:
        """One export row: ID and phone numbers in clear only for a user with the reveal permission."""
        return [
            d.pk,
            d.neighborhood.name,
            d.building.compound.name,
            d.building.name,
            d.room,
            d.name,
            choice_label(DocumentType, d.doc_type),
            crypto.decrypt(d.id_number_enc) if reveal and d.id_number_enc else d.id_number_masked,
            crypto.decrypt(d.phone_enc) if reveal and d.phone_enc else d.phone_masked,
            d.origin_code,
            d.origin_name,
            choice_label(Transport, d.transport),
            d.transport_number,
            d.departure_date,
            d.arrival_date,
            "是" if d.key_area else "否",
            "是" if d.exposure else "否",
            "是" if d.symptoms else "否",
            d.employer_name,
            "、".join(
                f"{m['name']}（{m['relation']}）" if m.get("relation") else m["name"]
                for m in d.household_members
            ),
        ]


register(ScreeningFormat())
