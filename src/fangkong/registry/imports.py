"""Spreadsheet formats of the registry: households with residents, organisations, support cadres, volunteers.

Each format is declared with ``fangkong.core.spreadsheets`` (see its docstring). The households format is
built for 100,000-row files: personal values are validated with the core validators behind exact caches
(region code, birth date and phone number prefix: results the validators would give anyway), sealed with
the keyring of ``core.crypto`` in a tight loop, and written with executemany in batches. One import is one
audit event (action "import") with its counts, written by the engine.

Matching: a row with 编号 (the record number an export writes) updates that record; otherwise residents
match by the keyed hash of their ID number, organisations by credit code, cadres and volunteers by the
hash of their phone. A row that would change nothing is counted as unchanged and needs no write scope.
Exports carry the plaintext ID number and phone only for users allowed to reveal personal data; others
get the masked form, which an import of the same rows (with their 编号) keeps as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import bulk
from fangkong.core.bulk import BulkWriter
from fangkong.core.choices import DocumentType, Domain
from fangkong.core.personal import (
    ID_NUMBER,
    PHONE,
    Sealer,
    check_document,
    check_resident_id_cached,
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
    parse_date,
    parse_text,
    register,
)
from fangkong.core.validators import _today
from fangkong.registry.choices import Gender, Relation
from fangkong.registry.imports_common import (
    _IMPORT_ROLES,
    PK_COLUMN,
    _masked,
    _may_reveal,
    _plain,
    parse_name,
)
from fangkong.registry.imports_simple import CadreFormat, OrganizationFormat, VolunteerFormat
from fangkong.registry.models import (
    HEAD_TAKEN,
    Building,
    Compound,
    Household,
    Neighborhood,
    Resident,
)

# ------------------------------------------------------------------------------------------ households


@dataclass(slots=True)
class ResidentLine:
    """What the checks of one households row found, carried from ``row_key`` and ``check_batch`` to
    ``write_batch`` (as ``row.checked``)."""

    id_value: str = ""  # the normalised document number; "" when the file keeps the masked one (with 编号)
    id_hash: str = ""  # its lookup hash ("" when not checked)
    id_birth: dt.date | None = None  # birth date and gender the resident ID gives
    id_gender: str = ""
    id_warning: str = ""
    bad_id: str = ""  # why the document number is refused
    phone: str = ""  # the normalised mobile; "" when blank, masked or refused
    hood_id: int | None = None
    household_key: tuple[Any, ...] = ()
    rec: dict[str, Any] | None = None  # the registered resident the row matches
    gender: str = ""  # what the row stores (blank cells derived or kept)
    birth: dt.date | None = None


@dataclass
class HouseholdContext:
    actor: Any
    scope: Scope
    sub_id: Any
    commit: bool
    sealer: Sealer
    hoods: dict[str, int]
    compounds: dict[tuple[int, str], int | None]
    buildings: dict[tuple[int, str, str], int | None]
    building_compound: dict[tuple[int, str, str], tuple[int, str]]
    households: dict[tuple[int, str, str, str], int | None]
    bulk: BulkWriter
    loaded_buildings: set[int] = field(default_factory=set)
    new_compounds: list[tuple[int, str]] = field(default_factory=list)
    new_buildings: list[tuple[int, str, str]] = field(default_factory=list)
    new_households: list[tuple[int, str, str, str]] = field(default_factory=list)
    hoods_touched: set[int] = field(default_factory=set)
    present: set[str] = field(default_factory=set)
    today: dt.date = field(default_factory=_today)
    # 户主 of each household as the file leaves it so far: household id (or ("new", key) for a household
    # this import creates) -> the head (a resident id, or ("row", n) for a new resident); None: no head.
    heads: dict[Any, Any] = field(default_factory=dict)
    left_head: set[int] = field(default_factory=set)  # residents the file moves off a head position


class HouseholdFormat(SpreadsheetFormat):
    slug = "households"
    max_rows = 200_000  # a whole sub-district's residents in one file
    title = gettext_lazy("住户与居民")
    sheet_title = gettext_lazy("住户居民")
    model = Resident
    roles = _IMPORT_ROLES
    batch_size = 5000
    description = gettext_lazy(
        "每行一位居民；同一室号的居民属于同一住户。小区、楼栋、住户不存在时自动新建（限本人权限内的居民区）。"
        "已登记的居民按证件号码匹配并更新。"
    )
    columns = (
        PK_COLUMN,
        Column("hood", "居民区", True, parse_text(50), gettext_lazy("居民区名称，须已存在"), "安汾居民区"),
        Column(
            "compound", "小区", True, parse_text(80), gettext_lazy("小区名称，不存在时新建"), "安汾小区", 16
        ),
        Column("building", "楼号", True, parse_text(40), gettext_lazy("楼栋号，如 12号"), "12号", 9),
        Column("room", "室号", True, parse_text(20), gettext_lazy("室号，如 301"), "301", 9),
        Column("name", "姓名", True, parse_name, gettext_lazy("居民姓名"), "张三", 10),
        Column(
            "doc_type",
            "证件类型",
            False,
            parse_choice(DocumentType),
            gettext_lazy(
                "居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证；空为居民身份证"
            ),
            "居民身份证",
            default=DocumentType.RESIDENT_ID,
        ),
        Column(
            "id_number",
            "证件号码",
            True,
            parse_text(40),
            gettext_lazy("身份证号须18位且校验位正确；已登记的居民按证件号码匹配"),
            "310109198001012345",
            22,
        ),
        Column("phone", "手机号码", False, parse_text(20), gettext_lazy("11位手机号码"), "13812345678", 14),
        Column(
            "gender", "性别", False, parse_choice(Gender), gettext_lazy("男/女；空时按身份证号推算"), "男", 6
        ),
        Column(
            "birth_date",
            "出生日期",
            False,
            parse_date,
            gettext_lazy("如 1980-01-01；空时按身份证号推算"),
            "1980-01-01",
            12,
        ),
        Column(
            "relation",
            "与户主关系",
            False,
            parse_choice(Relation),
            gettext_lazy("户主、配偶、子女、父母、其他；空为户主；一户只能有一位户主"),
            "户主",
            10,
            default=Relation.HEAD,
        ),
        Column("party", "党员", False, parse_bool, gettext_lazy("是/否；空为否"), "否", 6, default=False),
        Column("note", "备注", False, parse_text(200), gettext_lazy("可选"), "", 20, default=""),
    )

    RESIDENT_FIELDS = [
        "subdistrict_id",
        "neighborhood_id",
        "household_id",
        "name",
        "doc_type",
        "id_number_enc",
        "id_number_hash",
        "id_number_masked",
        "phone_enc",
        "phone_hash",
        "phone_masked",
        "gender",
        "birth_date",
        "relation",
        "is_party_member",
        "note",
    ]

    # -- context
    def start(self, *, actor: Any, commit: bool) -> HouseholdContext:
        sub_id = actor.subdistrict_id
        hoods = dict(Neighborhood.objects.filter(subdistrict_id=sub_id).values_list("name", "id"))
        compounds: dict[tuple[int, str], int | None] = {
            (h, n): pk
            for pk, h, n in Compound.objects.filter(subdistrict_id=sub_id).values_list(
                "id", "neighborhood_id", "name"
            )
        }
        buildings: dict[tuple[int, str, str], int | None] = {}
        for pk, hood_id, compound_name, name in Building.objects.filter(subdistrict_id=sub_id).values_list(
            "id", "compound__neighborhood_id", "compound__name", "name"
        ):
            buildings[(hood_id, compound_name, name)] = pk
        return HouseholdContext(
            actor=actor,
            scope=scope_for(actor),
            sub_id=sub_id,
            commit=commit,
            sealer=Sealer(),
            bulk=BulkWriter(actor=actor, domain=Domain.REGISTRY, background=True),
            hoods=hoods,
            compounds=compounds,
            buildings=buildings,
            building_compound={},
            households={},
        )

    def row_key(self, ctx: HouseholdContext, row: Row) -> Any:
        """Validate the document and phone (they depend on each other's columns) and key the row."""
        values = row.values
        line = row.checked = ResidentLine()
        id_text = values["id_number"] or ""
        if not id_text:
            return None
        if _masked(id_text):
            if values["pk"] is None:
                line.bad_id = _("证件号码已打码，无法识别；请填写完整号码，或保留导出表的“编号”列。")
                return None
            return ("pk", values["pk"])
        doc_type = values["doc_type"] or DocumentType.RESIDENT_ID
        try:
            if doc_type == DocumentType.RESIDENT_ID:
                check = check_resident_id_cached(id_text, ctx.today)
            else:
                check = check_document(doc_type, id_text)
        except ValidationError as exc:
            line.bad_id = "；".join(exc.messages)
            return None
        line.id_value = check.value
        line.id_birth = check.birth_date
        line.id_gender = check.gender
        line.id_warning = "".join(check.warnings)
        line.id_hash = digest = ctx.sealer.hash(ID_NUMBER, check.value)
        return digest

    EXISTING_FIELDS = (
        "id",
        "subdistrict_id",
        "neighborhood_id",
        "household_id",
        "name",
        "doc_type",
        "id_number_hash",
        "id_number_masked",
        "phone_hash",
        "phone_masked",
        "gender",
        "birth_date",
        "relation",
        "is_party_member",
        "note",
        "version",
    )

    def _existing(self, hashes: list[str], pks: list[int], *, lock: bool) -> Iterator[dict[str, Any]]:
        """The registered residents with one of these ID hashes or record numbers (locked when committing)."""
        qn = connection.ops.quote_name
        meta = Resident._meta
        cols = ", ".join(qn(str(meta.get_field(f).column)) for f in self.EXISTING_FIELDS)
        sql = f"SELECT {cols} FROM {qn(meta.db_table)} WHERE {{where}}"
        if lock and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        seen: set[int] = set()
        fields = self.EXISTING_FIELDS
        for column, keys in (("id_number_hash", hashes), ("id", pks)):
            for values in bulk.select_in(sql, column, keys):
                rec = dict(zip(fields, values, strict=True))
                if rec["id"] in seen:
                    continue
                seen.add(rec["id"])
                birth = rec["birth_date"]
                if isinstance(birth, str):
                    rec["birth_date"] = dt.date.fromisoformat(birth)
                rec["is_party_member"] = bool(rec["is_party_member"])
                yield rec

    def _load_households(self, ctx: HouseholdContext, building_ids: set[int]) -> None:
        todo = building_ids - ctx.loaded_buildings
        if not todo:
            return
        names = {pk: key for key, pk in ctx.buildings.items() if pk in todo}
        for pk, building_id, room in Household.objects.filter(building_id__in=todo).values_list(
            "id", "building_id", "room"
        ):
            key = names[building_id]
            ctx.households[(key[0], key[1], key[2], room)] = pk
        ctx.loaded_buildings |= todo

    def check_batch(self, ctx: HouseholdContext, rows: list[Row], report: Report) -> None:
        ctx.bulk.wait()  # the previous batch's residents are written before this batch reads
        sub_id, hoods = ctx.sub_id, ctx.hoods

        def can_write(hood: int | None) -> bool:
            return ctx.bulk.may_write(sub_id, hood)

        ctx.present = report.present
        has = report.present
        # 1. Per-row checks that need no database.
        live: list[Row] = []
        for row in rows:
            values, line = row.values, row.checked
            if line.bad_id:
                report.error(row, "证件号码", line.bad_id)
            elif line.id_warning:
                report.warn(row, "证件号码", line.id_warning)
            phone = values["phone"] or ""
            if phone and not _masked(phone):
                try:
                    line.phone = validate_mobile_cached(phone)
                except ValidationError as exc:
                    report.error(row, "手机号码", "；".join(exc.messages))
            hood_id = hoods.get(values["hood"] or "")
            if values["hood"] and hood_id is None:
                report.error(row, "居民区", _("居民区“%(n)s”不存在。") % {"n": values["hood"]})
            line.hood_id = hood_id
            if row.ok:
                live.append(row)
        if not live:
            return
        # 2. Households referenced by this batch, and the residents the rows match.
        self._load_households(
            ctx,
            {
                pk
                for row in live
                if (
                    pk := ctx.buildings.get(
                        (row.checked.hood_id, row.values["compound"], row.values["building"])
                    )
                )
            },
        )
        hashes = [row.checked.id_hash for row in live if row.checked.id_hash]
        pks = [row.values["pk"] for row in live if row.values["pk"] is not None]
        existing_by_hash: dict[str, dict[str, Any]] = {}
        existing_by_pk: dict[int, dict[str, Any]] = {}
        for found in self._existing(hashes, pks, lock=ctx.commit):
            existing_by_pk[found["id"]] = found
            digest = found["id_number_hash"]
            # An ID also registered later as a duplicate (flagged for HQ) matches its first registration.
            if digest and (digest not in existing_by_hash or found["id"] < existing_by_hash[digest]["id"]):
                existing_by_hash[digest] = found
        sealer = ctx.sealer
        # 3. Match, compare, check scope.
        for row in live:
            values, line = row.values, row.checked
            hood_id = line.hood_id
            rec: dict[str, Any] | None = None
            if values["pk"] is not None:
                rec = existing_by_pk.get(values["pk"])
                if rec is None or rec["subdistrict_id"] != sub_id:
                    report.error(row, "编号", _("编号 %(pk)s 的居民不存在。") % {"pk": values["pk"]})
                    continue
                other = existing_by_hash.get(line.id_hash)
                if other is not None and other["id"] != rec["id"]:
                    report.error(row, "证件号码", _("该证件号码已登记为另一位居民。"))
                    continue
            elif line.id_hash:
                rec = existing_by_hash.get(line.id_hash)
                if rec is not None and rec["subdistrict_id"] != sub_id:
                    report.error(row, "证件号码", _("该证件号码已在其他街道登记，无法导入。"))
                    continue
            compound_key = (hood_id, values["compound"])
            building_key = (hood_id, values["compound"], values["building"])
            household_key = (hood_id, values["compound"], values["building"], values["room"])
            household_id = ctx.households.get(household_key)
            line.household_key = household_key
            # The values this row asks for (absent columns keep what is there).
            phone_masked_keep = _masked(values["phone"] or "")
            if rec is not None:
                if _masked(values["id_number"]) and values["id_number"] != rec["id_number_masked"]:
                    report.error(row, "证件号码", _("打码的证件号码与记录不符。"))
                    continue
                if phone_masked_keep and values["phone"] != rec["phone_masked"]:
                    report.error(row, "手机号码", _("打码的手机号码与记录不符。"))
                    continue
            # Blank gender / birth date: derived from the ID number for a new resident, kept for a known one.
            if rec is None:
                gender = values["gender"] or line.id_gender
                birth = values["birth_date"] or line.id_birth
            else:
                gender = values["gender"] or rec["gender"]
                birth = values["birth_date"] or rec["birth_date"]
            if rec is None:
                action = CREATE
            else:
                same = (
                    household_id is not None
                    and rec["household_id"] == household_id
                    and rec["name"] == values["name"]
                    and rec["doc_type"] == values["doc_type"]
                    and (not line.id_hash or rec["id_number_hash"] == line.id_hash)
                    and (
                        "phone" not in has
                        or phone_masked_keep
                        or rec["phone_hash"] == (sealer.hash(PHONE, line.phone) if line.phone else "")
                    )
                    and ("gender" not in has or rec["gender"] == gender)
                    and ("birth_date" not in has or rec["birth_date"] == birth)
                    and ("relation" not in has or rec["relation"] == values["relation"])
                    and ("party" not in has or rec["is_party_member"] == values["party"])
                    and ("note" not in has or rec["note"] == values["note"])
                )
                action = UNCHANGED if same else UPDATE
            if action != UNCHANGED:
                if not can_write(hood_id):
                    report.error(row, "居民区", _("您无权向居民区“%(n)s”导入。") % {"n": values["hood"]})
                    continue
                if rec is not None and not can_write(rec["neighborhood_id"]):
                    report.error(row, "证件号码", _("该居民不在您的权限范围内。"))
                    continue
            if not self._claim_head(ctx, row, rec, household_id, household_key):
                report.error(row, "与户主关系", str(HEAD_TAKEN))
                continue
            row.action = action
            report.counts[action] += 1
            line.rec = rec
            line.gender = gender
            line.birth = birth
            if action == UNCHANGED:
                continue
            ctx.hoods_touched.add(hood_id)
            # Places to create.
            if compound_key not in ctx.compounds:
                ctx.compounds[compound_key] = None
                ctx.new_compounds.append(compound_key)
                report.counts["compounds_created"] += 1
            if building_key not in ctx.buildings:
                ctx.buildings[building_key] = None
                ctx.new_buildings.append(building_key)
                report.counts["buildings_created"] += 1
            if household_key not in ctx.households:
                ctx.households[household_key] = None
                ctx.new_households.append(household_key)
                report.counts["households_created"] += 1

    def _load_heads(self, ctx: HouseholdContext, household_ids: set[int]) -> None:
        todo = [pk for pk in household_ids if pk not in ctx.heads]
        if not todo:
            return
        for pk in todo:
            ctx.heads[pk] = None
        for household_id, resident_id in Resident.objects.filter(
            household_id__in=todo, relation=Relation.HEAD
        ).values_list("household_id", "id"):
            if resident_id not in ctx.left_head:
                ctx.heads[household_id] = resident_id

    def _claim_head(
        self, ctx: HouseholdContext, row: Row, rec: dict[str, Any] | None, household_id: Any, key: Any
    ) -> bool:
        """Keep one 户主 per household, in file order: False when this row would make a second one."""
        relation = row.values["relation"] if rec is None or "relation" in ctx.present else rec["relation"]
        me = rec["id"] if rec is not None else ("row", row.number)
        target = household_id if household_id is not None else ("new", key)
        if relation == Relation.HEAD:
            if household_id is not None:
                self._load_heads(ctx, {household_id})
            current = ctx.heads.get(target)
            if current is not None and current != me:
                return False
        if rec is not None and rec["relation"] == Relation.HEAD:
            old = rec["household_id"]
            if old != target or relation != Relation.HEAD:  # it leaves its head position
                ctx.left_head.add(rec["id"])
                if ctx.heads.get(old) == rec["id"]:
                    ctx.heads[old] = None
        if relation == Relation.HEAD:
            ctx.heads[target] = me
        return True

    def write_batch(self, ctx: HouseholdContext, rows: list[Row], report: Report) -> None:
        ctx.bulk.wait()
        now, _db_now = bulk.now_values()
        sub_id = ctx.sub_id
        if ctx.new_compounds:
            made = Compound.objects.bulk_create(
                [
                    Compound(subdistrict_id=sub_id, neighborhood_id=h, name=n, created_at=now)
                    for h, n in ctx.new_compounds
                ]
            )
            for compound in made:
                ctx.compounds[(compound.neighborhood_id, compound.name)] = compound.pk
            ctx.new_compounds.clear()
        if ctx.new_buildings:
            made_b = Building.objects.bulk_create(
                [
                    Building(
                        subdistrict_id=sub_id,
                        neighborhood_id=h,
                        compound_id=ctx.compounds[(h, c)] or 0,
                        name=b,
                        created_at=now,
                    )
                    for h, c, b in ctx.new_buildings
                ]
            )
            for (h, c, b), building in zip(ctx.new_buildings, made_b, strict=True):
                ctx.buildings[(h, c, b)] = building.pk
                ctx.loaded_buildings.add(building.pk)
            ctx.new_buildings.clear()
        if ctx.new_households:
            ids = bulk.reserve_ids(Household, len(ctx.new_households))
            household_rows: list[tuple[Any, ...]] = []
            for pk, key in zip(ids, ctx.new_households, strict=True):
                h, c, b, room = key
                household_rows.append((pk, sub_id, h, ctx.buildings[(h, c, b)], room, f"{c}{b}{room}室", ""))
                ctx.households[key] = pk
                if ("new", key) in ctx.heads:
                    ctx.heads[pk] = ctx.heads.pop(("new", key))
            ctx.bulk.insert(
                Household,
                ["id", "subdistrict_id", "neighborhood_id", "building_id", "room", "address", "note"],
                household_rows,
            )
            ctx.new_households.clear()
        sealer = ctx.sealer
        adapt_date = connection.ops.adapt_datefield_value
        db_dates: dict[dt.date, Any] = {}
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[dict[str, Any], int, int, int | None]] = []
        for row in rows:
            values, line = row.values, row.checked
            hood_id = line.hood_id
            household_id = ctx.households[line.household_key]
            rec = line.rec
            has = ctx.present
            if rec is None or line.id_value:
                id_enc, id_hash, id_masked = sealer.seal(ID_NUMBER, line.id_value, line.id_hash)
            else:
                id_enc = None
            if rec is not None and (_masked(values["phone"] or "") or "phone" not in has):
                phone_cols = None
            else:
                phone_cols = sealer.seal(PHONE, line.phone)
            birth = line.birth
            if birth:
                adapted = db_dates.get(birth)
                if adapted is None:
                    adapted = db_dates[birth] = adapt_date(birth)
                birth = adapted
            else:
                birth = None
            if rec is None:
                inserts.append(
                    (
                        sub_id,
                        hood_id,
                        household_id,
                        values["name"],
                        values["doc_type"],
                        id_enc,
                        id_hash,
                        id_masked,
                        *(phone_cols or ("", "", "")),
                        line.gender,
                        birth,
                        values["relation"],
                        values["party"],
                        values["note"],
                    )
                )
                continue
            new = {
                "neighborhood_id": hood_id,
                "household_id": household_id,
                "name": values["name"],
                "doc_type": values["doc_type"],
                "gender": line.gender if "gender" in has else rec["gender"],
                "birth_date": birth if "birth_date" in has else adapt_date(rec["birth_date"]),
                "relation": values["relation"] if "relation" in has else rec["relation"],
                "is_party_member": values["party"] if "party" in has else rec["is_party_member"],
                "note": values["note"] if "note" in has else rec["note"],
            }
            if id_enc is not None:
                new.update(id_number_enc=id_enc, id_number_hash=id_hash, id_number_masked=id_masked)
            if phone_cols is not None:
                new.update(phone_enc=phone_cols[0], phone_hash=phone_cols[1], phone_masked=phone_cols[2])
            updates.append((new, rec["id"], rec["version"], rec["neighborhood_id"]))
        # The updates below use the connection: they run first, the inserts go to the background writer.
        self._update_residents(ctx, updates)
        ctx.bulk.insert(Resident, self.RESIDENT_FIELDS, inserts, background=True)

    def finish(self, ctx: HouseholdContext, report: Report) -> None:
        ctx.bulk.wait()

    def close(self, ctx: HouseholdContext) -> None:
        ctx.bulk.close()

    def _update_residents(
        self, ctx: HouseholdContext, updates: list[tuple[dict[str, Any], int, int, int | None]]
    ) -> None:
        # Updates grouped by the set of columns they write; rows that make a resident 户主 go last, after
        # those that move a head away (the database allows one head per household at every statement).
        for last in (False, True):
            groups: dict[tuple[str, ...], tuple[list[tuple[Any, ...]], set[int | None]]] = {}
            for new, pk, version, old_hood in updates:
                if (new["relation"] == Relation.HEAD) == last:
                    params, previous = groups.setdefault(tuple(new), ([], set()))
                    params.append((*new.values(), pk, version))
                    previous.add(old_hood)
            for fields, (params, previous) in groups.items():
                ctx.bulk.update(Resident, list(fields), params, sub_id=ctx.sub_id, previous=previous)

    def audit_target(self, ctx: HouseholdContext) -> dict[str, Any]:
        hood = next(iter(ctx.hoods_touched)) if len(ctx.hoods_touched) == 1 else None
        return {"subdistrict_id": ctx.sub_id, "neighborhood_id": hood}

    def audit_changes(self, ctx: HouseholdContext) -> dict[str, Any]:
        return {"written": dict(ctx.bulk.counts)}

    def export_queryset(self, user: Any) -> Any:
        return (
            Resident.objects.visible_to(user)
            .select_related("neighborhood", "household__building__compound")
            .order_by(
                "neighborhood__code", "neighborhood_id", "household__building_id", "household__room", "id"
            )
        )

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        # plain tuples, not model instances: the full export of a sub-district is 150,000 rows
        reveal = _may_reveal(user)
        rows = queryset.values_list(
            "pk",
            "neighborhood__name",
            "household__building__compound__name",
            "household__building__name",
            "household__room",
            "name",
            "doc_type",
            "id_number_enc",
            "id_number_masked",
            "phone_enc",
            "phone_masked",
            "gender",
            "birth_date",
            "relation",
            "is_party_member",
            "note",
        )
        for (
            pk,
            hood,
            compound,
            building,
            room,
            name,
            doc,
            id_enc,
            id_masked,
            phone_enc,
            phone_masked,
            *rest,
        ) in rows.iterator(chunk_size=2000):
            gender, birth_date, relation, party, note = rest
            yield [
                pk,
                hood,
                compound,
                building,
                room,
                name,
                choice_label(DocumentType, doc),
                _plain(id_enc, id_masked, reveal),
                _plain(phone_enc, phone_masked, reveal),
                choice_label(Gender, gender),
                birth_date,
                choice_label(Relation, relation),
                "是" if party else "否",
                note,
            ]


HOUSEHOLDS = register(HouseholdFormat())
ORGANIZATIONS = register(OrganizationFormat())
CADRES = register(CadreFormat())
VOLUNTEERS = register(VolunteerFormat())

__all__ = ["HOUSEHOLDS", "ORGANIZATIONS", "CADRES", "VOLUNTEERS", "Iterable"]
