"""Spreadsheet formats of the pairing app: pairings (结对名单) and team members (党群队伍成员).

Declared with ``fangkong.core.spreadsheets`` (see its docstring): the preview checks every row and lists
its errors; the commit runs in one transaction with the actor's scope re-read, writes through this app's
services (``pair_cadre``, ``update_pairing``, ``create_team``, ``add_team_member``, ``set_team_leader``),
which check the write scope again, and is refused as a whole if any row fails.

People are matched by the keyed hash of their phone number (never by the plaintext), and the name in the
row must agree with the record. Exports carry plaintext phones only for users allowed to reveal personal
data; other users get the masked form, which an import matches together with the name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import crypto, personal
from fangkong.core.choices import Domain, Role
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope
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
from fangkong.core.validators import validate_mobile
from fangkong.pairing import services
from fangkong.pairing.choices import MemberKind, PairingSource, PointKind
from fangkong.pairing.models import Pairing, Point, ResponsibilityType, Team, TeamMember
from fangkong.registry.models import CommitteeStaff, SupportCadre, Volunteer

ROLES = (Role.HQ, Role.OFFICE, Role.STAFF)
PEOPLE: dict[str, Any] = {
    MemberKind.CADRE: SupportCadre,
    MemberKind.STAFF: CommitteeStaff,
    MemberKind.VOLUNTEER: Volunteer,
}


def _may_reveal(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "may_reveal_personal_data", False))


def _phone(person: Any, reveal: bool) -> str:
    if not person.phone_enc:
        return ""
    return crypto.decrypt(person.phone_enc) if reveal else person.phone_masked


class People:
    """Lookups of one kind of person in a sub-district by phone hash and by (name, masked phone)."""

    def __init__(self, model: Any, sub_id: Any) -> None:
        self.by_hash: dict[str, Any] = {}
        self.by_masked: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for person in model.objects.filter(subdistrict_id=sub_id).only(
            "pk", "name", "phone_hash", "phone_masked", "subdistrict_id"
        ):
            if person.phone_hash:
                self.by_hash[person.phone_hash] = person
                self.by_masked[person.name, person.phone_masked].append(person)

    def find(self, name: str, phone: str, what: Any) -> Any:
        """The person, or raise ValidationError with a message naming the problem."""
        if "*" in phone:
            found = self.by_masked.get((name, phone), [])
            if len(found) == 1:
                return found[0]
            if not found:
                raise ValidationError(
                    _("未找到姓名为“%(n)s”、手机号码为 %(p)s 的%(w)s。") % {"n": name, "p": phone, "w": what}
                )
            raise ValidationError(_("打码的号码对应多人，请填写完整手机号码。"))
        number = validate_mobile(phone)
        person = self.by_hash.get(crypto.lookup_hash("phone", number))
        if person is None:
            raise ValidationError(
                _("未找到手机号码为 %(p)s 的%(w)s，请先登记。")
                % {"p": personal.mask(personal.PHONE, number), "w": what}
            )
        if person.name != name:
            raise ValidationError(
                _("手机号码对应的%(w)s是“%(r)s”，与姓名“%(n)s”不符。")
                % {"w": what, "r": person.name, "n": name}
            )
        return person


def _scope_ok(actor: Any, obj: Any) -> bool:
    try:
        check_write_scope(actor, obj)
    except ScopeError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- pairings


@dataclass
class PairingContext:
    actor: Any
    sub_id: Any
    cadres: People
    points: dict[tuple[str, str], Point]
    responsibilities: dict[str, ResponsibilityType]
    max_points: int
    active: dict[tuple[int, int], Pairing] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)


class PairingFormat(SpreadsheetFormat):
    slug = "pairings"
    title = gettext_lazy("结对名单")
    sheet_title = gettext_lazy("结对名单")
    model = Pairing
    roles = ROLES
    domain = Domain.PAIRING
    batch_size = 500
    description = gettext_lazy(
        "每行一个结对：干部按手机号码识别（姓名须一致），定点按类型和名称识别。"
        "已有的结对更新职责和说明，其余新增；居委只能导入本居民区的定点。"
    )
    columns = (
        Column("name", "干部姓名", True, parse_text(50), gettext_lazy("须与下沉干部名单一致"), "李四", 10),
        Column(
            "phone",
            "手机号码",
            True,
            parse_text(20),
            gettext_lazy("11位手机号码，用于识别干部；打码号码须与姓名一起匹配"),
            "13712345678",
            14,
        ),
        Column(
            "kind",
            "定点类型",
            True,
            parse_choice(PointKind),
            gettext_lazy("居民区、楼宇园区、单位"),
            "居民区",
            10,
        ),
        Column("point", "定点名称", True, parse_text(120), gettext_lazy("须已列为定点"), "安汾居民区", 20),
        Column(
            "responsibility",
            "职责",
            False,
            parse_text(50),
            gettext_lazy("责任类型名称，如 门岗值守、入户排查；可空"),
            "门岗值守",
            12,
            default="",
        ),
        Column("note", "说明", False, parse_text(200), gettext_lazy("职责说明，可空"), "", 24, default=""),
        Column(
            "started_on",
            "开始日期",
            False,
            parse_date,
            gettext_lazy("如 2020-02-10；空为导入当天。已有结对不改开始日期"),
            "2020-02-10",
            12,
        ),
    )

    def start(self, *, actor: Any, commit: bool) -> PairingContext:
        sub_id = actor.subdistrict_id
        return PairingContext(
            actor=actor,
            sub_id=sub_id,
            cadres=People(SupportCadre, sub_id),
            points={(p.kind, p.name): p for p in Point.objects.filter(subdistrict_id=sub_id)},
            responsibilities={r.name: r for r in ResponsibilityType.objects.filter(subdistrict_id=sub_id)},
            max_points=services.settings_for(sub_id).max_points_per_cadre if sub_id else 1,
        )

    def row_key(self, ctx: PairingContext, row: Row) -> Any:
        v = row.values
        return (v.get("name"), v.get("phone"), v.get("kind"), v.get("point"))

    def check_batch(self, ctx: PairingContext, rows: list[Row], report: Report) -> None:
        if not ctx.active:
            for p in Pairing.objects.filter(subdistrict_id=ctx.sub_id, active=True):
                ctx.active[p.cadre_id, p.point_id] = p
                ctx.counts[p.cadre_id] = ctx.counts.get(p.cadre_id, 0) + 1
        for row in rows:
            if not row.ok:
                continue
            v = row.values
            try:
                cadre = ctx.cadres.find(v["name"], v["phone"], _("下沉干部"))
            except ValidationError as exc:
                report.error(row, "手机号码", "；".join(exc.messages))
                continue
            point = ctx.points.get((v["kind"], v["point"]))
            if point is None:
                report.error(
                    row,
                    "定点名称",
                    _("定点“%(p)s”（%(k)s）不存在，请先列为定点。")
                    % {"p": v["point"], "k": choice_label(PointKind, v["kind"])},
                )
                continue
            if not point.active:
                report.error(row, "定点名称", _("定点“%(p)s”已不在列。") % {"p": point.name})
                continue
            responsibility = None
            if v.get("responsibility"):
                responsibility = ctx.responsibilities.get(v["responsibility"])
                if responsibility is None:
                    report.error(
                        row,
                        "职责",
                        _("责任类型“%(r)s”不存在，可选：%(all)s。")
                        % {"r": v["responsibility"], "all": "、".join(ctx.responsibilities)},
                    )
                    continue
            probe = Pairing(subdistrict_id=point.subdistrict_id, neighborhood_id=point.neighborhood_id)
            existing = ctx.active.get((cadre.pk, point.pk))
            if existing is None:
                action = CREATE
                n = ctx.counts.get(cadre.pk, 0) + 1
                if n > ctx.max_points:
                    report.error(
                        row,
                        "干部姓名",
                        _("%(c)s 将有 %(n)d 个点位，每人最多 %(m)d 个。")
                        % {"c": cadre.name, "n": n, "m": ctx.max_points},
                    )
                    continue
            else:
                changed = existing.responsibility_id != (responsibility.pk if responsibility else None) or (
                    existing.responsibility_note != (v.get("note") or "")
                )
                action = UPDATE if changed else UNCHANGED
                probe = existing
            if action != UNCHANGED and not _scope_ok(ctx.actor, probe):
                report.error(
                    row, "定点名称", _("定点“%(p)s”超出您的管理范围，无法导入。") % {"p": point.name}
                )
                continue
            if action == CREATE:
                ctx.counts[cadre.pk] = ctx.counts.get(cadre.pk, 0) + 1
            row.action = action
            row.data.update(cadre=cadre, point=point, responsibility=responsibility, existing=existing)
            report.counts[action] += 1

    def write_batch(self, ctx: PairingContext, rows: list[Row], report: Report) -> None:
        for row in rows:
            d, v = row.data, row.values
            try:
                if row.action == CREATE:
                    services.pair_cadre(
                        actor=ctx.actor,
                        cadre=SupportCadre.objects.get(pk=d["cadre"].pk),
                        point=d["point"],
                        responsibility=d["responsibility"],
                        responsibility_note=v.get("note") or "",
                        source=PairingSource.IMPORT,
                        started_on=v.get("started_on"),
                    )
                else:
                    pairing = d["existing"]
                    services.update_pairing(
                        actor=ctx.actor,
                        pairing=pairing,
                        expected_version=pairing.version,
                        responsibility=d["responsibility"],
                        responsibility_note=v.get("note") or "",
                    )
            except (PermissionDenied, ScopeError):
                report.error(row, "定点名称", _("该结对超出您的管理范围，无法导入。"))
            except ValidationError as exc:
                report.error(row, "干部姓名", "；".join(exc.messages))

    def audit_target(self, ctx: PairingContext) -> dict[str, Any]:
        return {"subdistrict_id": ctx.sub_id}

    def export_queryset(self, user: Any) -> Any:
        return (
            Pairing.objects.visible_to(user)
            .filter(active=True)
            .select_related("cadre", "point", "responsibility")
            .order_by("point__kind", "point__name", "cadre__name", "pk")
        )

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        reveal = _may_reveal(user)
        for p in queryset.iterator(chunk_size=2000):
            yield [
                p.cadre.name,
                _phone(p.cadre, reveal),
                choice_label(PointKind, p.point.kind),
                p.point.name,
                p.responsibility.name if p.responsibility_id else "",
                p.responsibility_note,
                p.started_on,
            ]


# ------------------------------------------------------------------------------------------ team members


@dataclass
class TeamContext:
    actor: Any
    sub_id: Any
    people: dict[str, People]
    teams: dict[str, Team]
    points: dict[str, list[Point]]
    members: dict[tuple[int, str, int], TeamMember] = field(default_factory=dict)
    leaders: dict[str, int] = field(default_factory=dict)
    new_teams: dict[str, tuple[Team, Point | None]] = field(default_factory=dict)


class TeamMemberFormat(SpreadsheetFormat):
    slug = "team-members"
    title = gettext_lazy("党群队伍成员")
    sheet_title = gettext_lazy("队伍成员")
    model = Team
    roles = ROLES
    domain = Domain.PAIRING
    batch_size = 500
    description = gettext_lazy(
        "每行一名队伍成员：队伍按名称识别，不存在时按“定点名称”新建；成员按类型和手机号码识别（姓名须一致）。"
        "已在队伍中的成员不重复加入；“队长”为是时设为队长，每个队伍只能有一名队长。"
    )
    columns = (
        Column("team", "队伍名称", True, parse_text(80), gettext_lazy("党群队伍名称"), "安汾党群服务队", 18),
        Column(
            "point",
            "定点名称",
            False,
            parse_text(120),
            gettext_lazy("新建队伍时所属的定点；已有队伍可空"),
            "安汾居民区",
            16,
            default="",
        ),
        Column(
            "kind",
            "成员类型",
            True,
            parse_choice(MemberKind),
            gettext_lazy("下沉干部、社区工作者、志愿者"),
            "下沉干部",
            10,
        ),
        Column("name", "姓名", True, parse_text(50), gettext_lazy("须与名单一致"), "李四", 10),
        Column(
            "phone",
            "手机号码",
            True,
            parse_text(20),
            gettext_lazy("11位手机号码，用于识别成员"),
            "13712345678",
            14,
        ),
        Column("leader", "队长", False, parse_bool, gettext_lazy("是/否；空为否"), "否", 6, default=False),
    )

    def start(self, *, actor: Any, commit: bool) -> TeamContext:
        sub_id = actor.subdistrict_id
        points: dict[str, list[Point]] = defaultdict(list)
        for p in Point.objects.filter(subdistrict_id=sub_id, active=True):
            points[p.name].append(p)
        return TeamContext(
            actor=actor,
            sub_id=sub_id,
            people={kind: People(model, sub_id) for kind, model in PEOPLE.items()},
            teams={t.name: t for t in Team.objects.filter(subdistrict_id=sub_id).order_by("pk")},
            points=points,
        )

    def row_key(self, ctx: TeamContext, row: Row) -> Any:
        v = row.values
        return (v.get("team"), v.get("kind"), v.get("name"), v.get("phone"))

    def check_batch(self, ctx: TeamContext, rows: list[Row], report: Report) -> None:
        if not ctx.members:
            for m in TeamMember.objects.filter(team__subdistrict_id=ctx.sub_id):
                person_id = m.cadre_id or m.staff_id or m.volunteer_id
                assert person_id is not None
                ctx.members[m.team_id, m.kind, person_id] = m
        for row in rows:
            if not row.ok:
                continue
            v = row.values
            kind = v["kind"]
            try:
                person = ctx.people[kind].find(v["name"], v["phone"], choice_label(MemberKind, kind))
            except ValidationError as exc:
                report.error(row, "手机号码", "；".join(exc.messages))
                continue
            team = ctx.teams.get(v["team"])
            point = None
            if team is None and v["team"] in ctx.new_teams:
                probe, point = ctx.new_teams[v["team"]]
            elif team is None:
                found = ctx.points.get(v.get("point") or "", [])
                if v.get("point") and len(found) != 1:
                    report.error(
                        row,
                        "定点名称",
                        _("定点“%(p)s”不存在。") % {"p": v["point"]}
                        if not found
                        else _("定点“%(p)s”重名，请在系统中新建队伍。") % {"p": v["point"]},
                    )
                    continue
                point = found[0] if found else None
                probe = Team(
                    subdistrict_id=ctx.sub_id, neighborhood_id=point.neighborhood_id if point else None
                )
                report.warn(row, "队伍名称", _("将新建队伍“%(t)s”。") % {"t": v["team"]})
                ctx.new_teams[v["team"]] = (probe, point)
            else:
                probe = team
            if not _scope_ok(ctx.actor, probe):
                report.error(row, "队伍名称", _("队伍“%(t)s”超出您的管理范围，无法导入。") % {"t": v["team"]})
                continue
            existing = ctx.members.get((team.pk, kind, person.pk)) if team is not None else None
            if v.get("leader"):
                first = ctx.leaders.get(v["team"])
                if first is not None:
                    report.error(
                        row, "队长", _("队伍“%(t)s”已在第 %(n)d 行指定队长。") % {"t": v["team"], "n": first}
                    )
                    continue
                ctx.leaders[v["team"]] = row.number
            if existing is None:
                action = CREATE
            elif v.get("leader") and not existing.is_leader:
                action = UPDATE
            else:
                action = UNCHANGED
            row.action = action
            row.data.update(person=person, point=point, existing=existing)
            report.counts[action] += 1

    def write_batch(self, ctx: TeamContext, rows: list[Row], report: Report) -> None:
        created: dict[str, Team] = {}
        for row in rows:
            d, v = row.data, row.values
            try:
                team = ctx.teams.get(v["team"]) or created.get(v["team"])
                if team is None:
                    point = d["point"]
                    team = services.create_team(
                        actor=ctx.actor,
                        subdistrict=ctx.actor.subdistrict,
                        name=v["team"],
                        point=point,
                        neighborhood=point.neighborhood if point else None,
                    )
                    created[v["team"]] = team
                    ctx.teams[v["team"]] = team
                if row.action == CREATE:
                    services.add_team_member(
                        actor=ctx.actor,
                        team=team,
                        is_leader=bool(v.get("leader")),
                        **{v["kind"]: d["person"]},
                    )
                else:
                    services.set_team_leader(actor=ctx.actor, member=d["existing"])
            except (PermissionDenied, ScopeError):
                report.error(row, "队伍名称", _("队伍“%(t)s”超出您的管理范围，无法导入。") % {"t": v["team"]})
            except ValidationError as exc:
                report.error(row, "姓名", "；".join(exc.messages))

    def audit_target(self, ctx: TeamContext) -> dict[str, Any]:
        return {"subdistrict_id": ctx.sub_id}

    def export_queryset(self, user: Any) -> Any:
        return (
            TeamMember.objects.filter(team__in=Team.objects.visible_to(user))
            .select_related("team__point", "cadre", "staff", "volunteer")
            .order_by("team__name", "team_id", "-is_leader", "pk")
        )

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        reveal = _may_reveal(user)
        for m in queryset.iterator(chunk_size=2000):
            person = m.cadre or m.staff or m.volunteer
            yield [
                m.team.name,
                m.team.point.name if m.team.point_id else "",
                choice_label(MemberKind, m.kind),
                person.name,
                _phone(person, reveal),
                "是" if m.is_leader else "否",
            ]


PAIRINGS = register(PairingFormat())
TEAM_MEMBERS = register(TeamMemberFormat())

__all__ = ["PAIRINGS", "TEAM_MEMBERS", "UPDATE"]
