"""The demo sub-district's registry: a fictional sub-district shaped like the seed article (Jiangwan, February
2020).

``build_registry(scale=...)`` writes one district with one sub-district (scale ``subdistrict``) or eight
(``district``). Each sub-district gets 34 neighborhoods with their committees, about 150 compounds, 800
buildings, 50,000 households and 150,000 residents, 100 support cadres from named line departments, 25 party
branches (one of them the support force's temporary branch), 22 premises, 2,000 organisations, two patrol
zones north and south of 万安路, 300 volunteers, committee staff and the functional offices. The ``tiny`` scale
keeps that shape with a few hundred households, for tests.

ID numbers and phones are valid synthetic values (``core.testing.make_id_number``/``make_phone``) drawn from
a seeded ``random.Random``, so the same seed gives the same people; they are sealed through ``core.crypto``
before they reach the database. Rows are written with ``bulk_create`` in batches, inside the caller's
transaction: the whole demo across apps (``fangkong.project.demo.build_demo``) is one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connections, models
from django.utils import timezone
from stdnum.cn import uscc

from fangkong.core import crypto
from fangkong.core.choices import Domain, Role
from fangkong.core.models import User
from fangkong.core.testing import make_id_number, make_phone
from fangkong.registry.choices import (
    BranchKind,
    DepartmentKind,
    OrganizationKind,
    PremisesKind,
    Relation,
)
from fangkong.registry.models import (
    Building,
    CommitteeStaff,
    Compound,
    District,
    Household,
    LineDepartment,
    Neighborhood,
    Office,
    Organization,
    PartyBranch,
    PatrolZone,
    Premises,
    Resident,
    SubDistrict,
    SupportCadre,
    Volunteer,
)

SCALES = ("tiny", "subdistrict", "district")
DEMO_PASSWORD = "Jiangwan-2020"
DEFAULT_SEED = 2020
BATCH = 2000


@dataclass(frozen=True)
class Shape:
    """How much one demo sub-district holds."""

    subdistricts: int = 1
    neighborhoods: int = 34
    compounds: int = 150
    buildings: int = 800
    households: int = 50_000
    residents: int = 150_000
    cadres: int = 100
    premises: int = 22
    organizations: int = 2_000
    volunteers: int = 300
    staff_per_neighborhood: int = 4


SHAPES: dict[str, Shape] = {
    "subdistrict": Shape(),
    "district": Shape(subdistricts=8),
    "tiny": Shape(households=340, residents=850, organizations=120, volunteers=60),
}


def shape_for(scale: str, *, households: int | None = None, residents: int | None = None) -> Shape:
    if scale not in SHAPES:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {', '.join(SCALES)}")
    shape = SHAPES[scale]
    if households:
        shape = replace(shape, households=households)
    if residents:
        shape = replace(shape, residents=residents)
    if shape.residents < shape.households:
        shape = replace(shape, residents=shape.households)
    if shape.buildings > shape.households:
        shape = replace(shape, buildings=shape.households)
    if shape.compounds > shape.buildings:
        shape = replace(shape, compounds=shape.buildings)
    return shape


# --- names ------------------------------------------------------------------------------------------------

DISTRICT = ("虹口区", "310109")
SUBDISTRICTS = [
    ("江湾镇街道", "JW"),
    ("广中路街道", "GZ"),
    ("欧阳路街道", "OY"),
    ("曲阳路街道", "QY"),
    ("凉城新村街道", "LC"),
    ("四川北路街道", "SC"),
    ("北外滩街道", "BW"),
    ("嘉兴路街道", "JX"),
]
NEIGHBORHOODS = (
    "安汾 新南二 新南一 虹教 公安街 万安 丰镇一 丰镇二 奎照 车站 学府 纪念路 沽源 逸仙 场中 汶水 水电 "
    "广灵 塘沽 新市 恒业 体育会 飞虹 东体 花园城 江湾 西江湾 新沪 中山 场中二 沽源二 汶水二 万安二 奎照二"
).split()
HOOD_SYLLABLES = (
    "东 西 南 北 新 丰 虹 江 广 凉 欧 曲 嘉 明 华 兴 安 康 和 平 乐 福 秀 春 景 泰 云 阳 林 城".split()
)
ROADS = (
    "万安路 沽源路 汶水东路 纪念路 丰镇路 奎照路 水电路 场中路 广纪路 车站南路 西江湾路 逸仙路 学府街 公安街 "
    "新市南路 东体育会路 花园路 广灵四路"
).split()
COMPOUND_SUFFIXES = ("新村", "小区", "苑", "公寓", "花园", "大楼")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤施奚"
)
GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国文东升彬盛灏"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪梅莉婷慧颖洁佳倩岚琴云莲雯瑜华美"

OFFICES = [
    ("社区党建办", [Domain.PAIRING]),
    ("社区发展办", [Domain.REGISTRY]),
    ("社区平安办", [Domain.RETURNEES]),
    ("社区服务办", [Domain.MASKS]),
    ("社区管理办", [Domain.REGISTRY, Domain.MASKS]),
    ("社区自治办", [Domain.REGISTRY]),
]
# (name, kind, how many of the sub-district's 100 cadres it sends)
DEPARTMENTS = [
    ("区教育局", DepartmentKind.EDUCATION, 34),
    ("区市场监管局", DepartmentKind.MARKET_REGULATION, 12),
    ("江湾城管中队", DepartmentKind.CITY_MANAGEMENT, 8),
    ("区卫健委", DepartmentKind.HEALTH, 10),
    ("区公安分局", DepartmentKind.PUBLIC_SECURITY, 6),
    ("区民政局", DepartmentKind.CIVIL_AFFAIRS, 8),
    ("区司法局", DepartmentKind.OTHER, 5),
    ("区总工会", DepartmentKind.OTHER, 5),
    ("区发展改革委", DepartmentKind.OTHER, 4),
    ("区财政局", DepartmentKind.OTHER, 4),
    ("团区委", DepartmentKind.OTHER, 4),
]
NAMED_CADRES = {"区市场监管局": ["袁国盛"], "江湾城管中队": ["奚文灏"]}
PREMISES = [
    ("中图蓝桥", PremisesKind.OFFICE_TOWER),
    ("元和投资大厦", PremisesKind.OFFICE_TOWER),
    ("万安商务楼", PremisesKind.OFFICE_TOWER),
    ("江湾国际大厦", PremisesKind.OFFICE_TOWER),
    ("纪念路科技楼", PremisesKind.OFFICE_TOWER),
    ("沽源大厦", PremisesKind.OFFICE_TOWER),
    ("虹丰商务中心", PremisesKind.OFFICE_TOWER),
    ("学府大楼", PremisesKind.OFFICE_TOWER),
    ("联合数字", PremisesKind.BUSINESS_PARK),
    ("1876老站创意园区", PremisesKind.BUSINESS_PARK),
    ("江湾文化创意园", PremisesKind.BUSINESS_PARK),
    ("汶水科技园", PremisesKind.BUSINESS_PARK),
    ("场中智慧园", PremisesKind.BUSINESS_PARK),
    ("丰镇产业园", PremisesKind.BUSINESS_PARK),
    ("万安路北沿街商铺", PremisesKind.STREET_SHOPS),
    ("万安路南沿街商铺", PremisesKind.STREET_SHOPS),
    ("沽源路沿街商铺", PremisesKind.STREET_SHOPS),
    ("汶水东路沿街商铺", PremisesKind.STREET_SHOPS),
    ("纪念路沿街商铺", PremisesKind.STREET_SHOPS),
    ("奎照路沿街商铺", PremisesKind.STREET_SHOPS),
    ("车站南路沿街商铺", PremisesKind.STREET_SHOPS),
    ("江湾农贸市场", PremisesKind.MARKET),
]
# Named organisations from the article and its kind: (name, kind, industry, registration prefix).
NAMED_ORGS = [
    ("上海银康老年公寓", OrganizationKind.ELDERLY_HOME, "养老服务", "52"),
    ("上海粤海大酒店", OrganizationKind.HOTEL, "住宿", "91"),
    ("上海银建出租汽车有限公司", OrganizationKind.ENTERPRISE, "道路运输", "91"),
    ("上海铁岳有限公司", OrganizationKind.ENTERPRISE, "商务服务", "91"),
    ("上海新文创地产投资管理有限公司", OrganizationKind.ENTERPRISE, "房地产", "91"),
    ("市北燃气公司", OrganizationKind.PARTNER_UNIT, "燃气供应", "91"),
    ("市北供电江湾营业所", OrganizationKind.PARTNER_UNIT, "电力供应", "91"),
    ("城投水务江湾营业所", OrganizationKind.PARTNER_UNIT, "自来水供应", "91"),
    ("江湾电梯维保站", OrganizationKind.PARTNER_UNIT, "设备维修", "91"),
    ("江湾市场监督管理所", OrganizationKind.PUBLIC, "市场监管", "11"),
    ("江湾镇街道社区卫生服务中心", OrganizationKind.PUBLIC, "卫生", "12"),
    ("江湾敬老院", OrganizationKind.ELDERLY_HOME, "养老服务", "52"),
    ("丰镇长者照护之家", OrganizationKind.ELDERLY_HOME, "养老服务", "52"),
    ("江湾宾馆", OrganizationKind.HOTEL, "住宿", "91"),
    ("万安商务酒店", OrganizationKind.HOTEL, "住宿", "91"),
    ("沽源快捷酒店", OrganizationKind.HOTEL, "住宿", "91"),
]
ORG_WORDS_A = "江湾 万安 虹丰 新汇 沪北 联创 永昌 恒瑞 嘉禾 盛达 宏图 金桥 华亿 天合 瑞丰 鼎信 博远 中图 汇通 立新".split()
ORG_WORDS_B = (
    "科技 贸易 实业 文化 信息 物流 餐饮 建设 商务 传媒 咨询 电子 服饰 食品 印务 设计 教育 健康".split()
)
ORG_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "工作室", "商行")
INDUSTRIES = (
    "批发零售 信息技术 商务服务 餐饮 建筑装饰 文化创意 物业管理 教育培训 科技研发 广告传媒 物流运输".split()
)
SOCIAL_FORMS = ("社工服务社", "志愿者协会", "文化促进会", "养老服务中心", "青少年服务中心", "调解工作室")
VOLUNTEER_SKILLS = ("测温", "登记", "消毒", "送菜上门", "心理疏导", "驾驶", "外语", "信息录入")
AVAILABILITY = ("工作日白天", "工作日晚上", "周末", "全天")
ID_REGIONS = (
    ["310109"] * 12
    + ["310101", "310104", "310105", "310106", "310107", "310110", "310112", "310113", "310115"]
    + ["320102", "330102", "340102", "420102", "510104", "410102", "370102"]
)


@dataclass
class RegistryDemo:
    """What ``build_registry`` wrote: the sub-districts, rows per model label and the demo accounts."""

    subdistricts: list[SubDistrict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


class _People:
    """Unique synthetic names, ID numbers and phones from one seeded generator."""

    def __init__(self, rng: random.Random, ring: crypto.Keyring, id_hashes: set[str]) -> None:
        self.rng = rng
        self.ring = ring
        self.id_hashes = id_hashes  # shared by every sub-district: ID numbers are unique across the database
        self.phones: set[str] = set()
        self.today = timezone.localdate()

    def name(self, gender: str) -> str:
        rng = self.rng
        pool = GIVEN_M if gender == "M" else GIVEN_F
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def id_number(self, birth: dt.date) -> tuple[str, crypto.Sealed]:
        """A new ID number born on ``birth``, unique in the database, and its sealed columns."""
        while True:
            value = make_id_number(self.rng, region=self.rng.choice(ID_REGIONS), birth=birth)
            digest = crypto.lookup_hash("id_number", value, ring=self.ring)
            if digest not in self.id_hashes:
                self.id_hashes.add(digest)
                sealed = crypto.Sealed(
                    crypto.encrypt(value, ring=self.ring), digest, crypto.mask("id_number", value)
                )
                return value, sealed

    def phone(self) -> str:
        while True:
            value = make_phone(self.rng)
            if value not in self.phones:
                self.phones.add(value)
                return value

    def seal(self, name: str, value: str, kind: str = "") -> dict[str, str]:
        return crypto.personal_columns(name, value, kind=kind or name, ring=self.ring)


def _bulk(model: type[models.Model], objs: Sequence[Any], counts: dict[str, int]) -> list[Any]:
    model._default_manager.bulk_create(objs, batch_size=BATCH)
    label = model._meta.label
    counts[label] = counts.get(label, 0) + len(objs)
    return list(objs)


def _insert_rows(
    model: type[models.Model],
    constant: dict[str, Any],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    counts: dict[str, int],
) -> None:
    """Insert many rows with one prepared statement (``executemany``): the large tables (households,
    residents) skip model instances. ``rows`` hold database-ready values for ``columns``; ``constant`` values
    and every other field's default are adapted once."""
    connection = connections[model._default_manager.db]
    now = timezone.now()
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"unknown columns for {model._meta.label}: {sorted(unknown)}")
    fixed: dict[str, Any] = {"created_at": now, "updated_at": now, "version": 1, **constant}
    fixed_values: list[Any] = []
    fixed_columns: list[str] = []
    for attname, f in fields.items():
        if attname in columns:
            continue
        value = fixed[attname] if attname in fixed else f.get_default()
        fixed_columns.append(f.column)
        fixed_values.append(f.get_db_prep_save(value, connection))
    names = fixed_columns + [fields[c].column for c in columns]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(n) for n in names), ", ".join(["%s"] * len(names))
    )
    head = tuple(fixed_values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: one stream instead of a statement per row.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(model._meta.db_table), ", ".join(quote(n) for n in names)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(head + row)
        else:
            for start in range(0, len(rows), BATCH * 5):
                cursor.executemany(sql, [head + row for row in rows[start : start + BATCH * 5]])
    label = model._meta.label
    counts[label] = counts.get(label, 0) + len(rows)


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole numbers."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def credit_code(rng: random.Random, prefix: str, region: str, used: set[str]) -> str:
    """A valid GB 32100 unified social credit code; its organisation code carries a GB 11714 check digit."""
    while True:
        body = f"{rng.randrange(10**7, 10**8)}"
        total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        check = 11 - total % 11
        org_code = body + ("X" if check == 10 else "0" if check == 11 else str(check))
        partial = f"{prefix}{region}{org_code}"
        code = partial + uscc.calc_check_digit(partial)
        if code not in used:
            used.add(code)
            return code


# --- generation -------------------------------------------------------------------------------------------


def demo_exists() -> bool:
    return SubDistrict.objects.exists()


def build_registry(
    *,
    scale: str = "subdistrict",
    seed: int = DEFAULT_SEED,
    households: int | None = None,
    residents: int | None = None,
    log: Callable[[str], None] | None = None,
) -> RegistryDemo:
    """Write the demo district's registry and the demo accounts (in the caller's transaction)."""
    shape = shape_for(scale, households=households, residents=residents)
    say = log or (lambda _msg: None)
    result = RegistryDemo()
    district, _created = District.objects.get_or_create(name=DISTRICT[0], defaults={"code": DISTRICT[1]})
    taken = set(SubDistrict.objects.filter(district=district).values_list("name", flat=True))
    clash = taken & {name for name, _code in SUBDISTRICTS[: shape.subdistricts]}
    if clash:
        raise ValueError(f"演示街道已存在：{'、'.join(sorted(clash))}")
    ring = crypto.keyring()
    id_hashes = set(Resident.objects.exclude(id_number_hash="").values_list("id_number_hash", flat=True))
    departments = _departments(district, result.counts)
    for index in range(shape.subdistricts):
        name, code = SUBDISTRICTS[index]
        rng = random.Random(f"{seed}:{code}")
        people = _People(rng, ring, id_hashes)
        sub = SubDistrict.objects.create(district=district, name=name, code=code)
        result.counts["registry.SubDistrict"] = result.counts.get("registry.SubDistrict", 0) + 1
        say(f"{name}: 台账 …")
        _build_subdistrict(sub, index, shape, people, departments, result.counts)
        result.subdistricts.append(sub)
    result.accounts = create_demo_accounts(district, result.subdistricts[0])
    result.counts["core.User"] = len(result.accounts)
    return result


def _departments(district: District, counts: dict[str, int]) -> dict[str, LineDepartment]:
    existing = {d.name: d for d in LineDepartment.objects.filter(district=district)}
    new = [
        LineDepartment(district=district, name=name, kind=kind)
        for name, kind, _n in DEPARTMENTS
        if name not in existing
    ]
    for dept in _bulk(LineDepartment, new, counts):
        existing[dept.name] = dept
    return existing


def _hood_names(index: int, count: int, rng: random.Random) -> list[str]:
    if index == 0 and count <= len(NEIGHBORHOODS):
        return [f"{n}居民区" for n in NEIGHBORHOODS[:count]]
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(HOOD_SYLLABLES)}{rng.choice(HOOD_SYLLABLES)}居民区"
        if name not in names:
            names.append(name)
    return names


def _build_subdistrict(
    sub: SubDistrict,
    index: int,
    shape: Shape,
    people: _People,
    departments: dict[str, LineDepartment],
    counts: dict[str, int],
) -> None:
    rng = people.rng
    sid = sub.pk
    region = DISTRICT[1]

    _bulk(Office, [Office(subdistrict_id=sid, name=n, domains=list(d)) for n, d in OFFICES], counts)
    north, south = _bulk(
        PatrolZone,
        [
            PatrolZone(subdistrict_id=sid, name="万安路以北", description="万安路以北的沿街商铺和小区"),
            PatrolZone(subdistrict_id=sid, name="万安路以南", description="万安路以南的沿街商铺和小区"),
        ],
        counts,
    )
    hoods = _bulk(
        Neighborhood,
        [
            Neighborhood(
                subdistrict_id=sid,
                name=name,
                code=f"{sub.code}{i + 1:02d}",
                committee_address=f"{rng.choice(ROADS)}{rng.randrange(1, 900)}号",
                committee_phone=f"021-{rng.randrange(5500_0000, 6700_0000)}",
            )
            for i, name in enumerate(_hood_names(index, shape.neighborhoods, rng))
        ],
        counts,
    )
    half = len(hoods) // 2
    zone_of_hood = {h.pk: (north if i < half else south) for i, h in enumerate(hoods)}

    # Places: compounds › buildings › households.
    compounds: list[Compound] = []
    for hood, n_compounds in zip(hoods, _spread(shape.compounds, len(hoods)), strict=True):
        used: set[str] = set()
        for _ in range(n_compounds):
            road = rng.choice(ROADS)
            while True:
                if rng.random() < 0.5:
                    name = f"{road}{rng.randrange(1, 300)}弄"
                else:
                    name = f"{road[:2]}{rng.choice(COMPOUND_SUFFIXES)}"
                    if name in used:
                        name = f"{road[:2]}{rng.choice('一二三四五六七八')}{rng.choice(COMPOUND_SUFFIXES)}"
                if name not in used:
                    used.add(name)
                    break
            compounds.append(
                Compound(
                    subdistrict_id=sid,
                    neighborhood_id=hood.pk,
                    name=name,
                    address=f"{road}{rng.randrange(1, 900)}号",
                    patrol_zone=zone_of_hood[hood.pk],
                )
            )
    if index == 0 and compounds:
        compounds[0].name = "虹教小区"
    _bulk(Compound, compounds, counts)

    buildings: list[Building] = []
    for compound, n_buildings in zip(compounds, _spread(shape.buildings, len(compounds)), strict=True):
        for b in range(n_buildings):
            buildings.append(
                Building(
                    subdistrict_id=sid,
                    neighborhood_id=compound.neighborhood_id,
                    compound_id=compound.pk,
                    name=f"{b + 1}号",
                    floors=rng.choice((6, 6, 6, 7, 11, 14, 18, 24)),
                )
            )
    _bulk(Building, buildings, counts)
    compound_by_id = {c.pk: c for c in compounds}

    household_rows: list[tuple[int, int, str, str]] = []
    for building, n_households in zip(buildings, _spread(shape.households, len(buildings)), strict=True):
        floors = building.floors or 6
        per_floor = -(-n_households // floors)
        compound = compound_by_id[building.compound_id]
        for h in range(n_households):
            room = f"{h // per_floor + 1}{h % per_floor + 1:02d}"
            address = f"{compound.name}{building.name}{room}室"
            household_rows.append((building.neighborhood_id, building.pk, room, address))
    _insert_rows(
        Household,
        {"subdistrict_id": sid},
        ("neighborhood_id", "building_id", "room", "address"),
        household_rows,
        counts,
    )
    pk_of = {
        (b, r): (pk, n)
        for pk, b, r, n in Household.objects.filter(subdistrict_id=sid).values_list(
            "pk", "building_id", "room", "neighborhood_id"
        )
    }
    households = [pk_of[(row[1], row[2])] for row in household_rows]

    # Party branches: the support force's temporary branch, units' branches and neighborhood branches.
    branches = [
        PartyBranch(
            subdistrict_id=sid,
            name="区支援力量临时支部",
            kind=BranchKind.TEMPORARY,
            is_temporary=True,
            secretary=people.name("M"),
        )
    ]
    hood_branch_hoods = hoods[: min(9, len(hoods))]
    for hood in hood_branch_hoods:
        branches.append(
            PartyBranch(
                subdistrict_id=sid,
                neighborhood_id=hood.pk,
                name=f"{hood.name}党总支",
                kind=BranchKind.GENERAL,
                secretary=people.name(rng.choice("MF")),
            )
        )
    _bulk(PartyBranch, branches, counts)
    temp_branch = branches[0]
    hood_branch = {b.neighborhood_id: b for b in branches[1:]}
    branch_list = branches[1:]

    # Premises and organisations.
    premises = _bulk(
        Premises,
        [
            Premises(
                subdistrict_id=sid,
                neighborhood_id=hoods[i % len(hoods)].pk if kind != PremisesKind.STREET_SHOPS else None,
                patrol_zone=(
                    north if "北" in name else south if "南" in name else rng.choice((north, south))
                ),
                name=name,
                kind=kind,
                address=f"{rng.choice(ROADS)}{rng.randrange(1, 900)}号",
            )
            for i, (name, kind) in enumerate(PREMISES[: shape.premises])
        ],
        counts,
    )
    codes: set[str] = set()
    orgs: list[Organization] = []

    def add_org(name: str, kind: str, industry: str, prefix: str, premises_obj: Premises | None) -> None:
        hood = hoods[rng.randrange(len(hoods))]
        if name == "上海银康老年公寓":
            hood = hoods[0]
        zone = premises_obj.patrol_zone if premises_obj else zone_of_hood[hood.pk]
        org = Organization(
            subdistrict_id=sid,
            neighborhood_id=None if premises_obj else hood.pk,
            premises=premises_obj,
            patrol_zone=zone,
            name=name,
            kind=kind,
            credit_code=credit_code(rng, prefix, region, codes),
            industry=industry,
            address=premises_obj.address if premises_obj else f"{rng.choice(ROADS)}{rng.randrange(1, 900)}号",
            contact_name=people.name(rng.choice("MF")),
            employees=rng.choice((3, 5, 8, 12, 20, 35, 60, 120, 300)),
            **people.seal("contact_phone", people.phone(), kind="phone"),
        )
        orgs.append(org)

    for name, kind, industry, prefix in NAMED_ORGS[: shape.organizations]:
        add_org(name, kind, industry, prefix, None)
    names_used = {o.name for o in orgs}
    while len(orgs) < shape.organizations:
        roll = rng.random()
        premises_obj = rng.choice(premises) if premises and rng.random() < 0.35 else None
        if roll < 0.08:
            name = f"江湾{rng.choice(ORG_WORDS_A)}{rng.choice(SOCIAL_FORMS)}"
            kind, industry, prefix = OrganizationKind.NEW_SOCIAL, "社会服务", "52"
        elif roll < 0.14:
            name = f"{rng.choice(ORG_WORDS_A)}{rng.choice(ROADS)[:2]}{rng.choice(('便利店', '餐馆', '理发店', '水果店'))}"
            kind, industry, prefix = OrganizationKind.SHOP, "零售餐饮", "92"
        else:
            form = rng.choice(ORG_FORMS)
            name = f"上海{rng.choice(ORG_WORDS_A)}{rng.choice(ORG_WORDS_B)}{form}"
            kind, industry, prefix = OrganizationKind.ENTERPRISE, rng.choice(INDUSTRIES), "91"
        if name in names_used:
            name = f"{name[:-2]}{rng.choice(ORG_WORDS_A)}{name[-2:]}"
            if name in names_used:
                continue
        names_used.add(name)
        add_org(name, kind, industry, prefix, premises_obj)
    _bulk(Organization, orgs, counts)

    # Unit and new-type organisation branches, up to 25 in all.
    org_by_name = {o.name: o for o in orgs}
    unit_branches: list[PartyBranch] = []
    for org_name, suffix, branch_kind in (
        ("上海粤海大酒店", "党支部", BranchKind.BRANCH),
        ("上海银建出租汽车有限公司", "党总支", BranchKind.GENERAL),
        ("上海银康老年公寓", "党支部", BranchKind.BRANCH),
        ("上海铁岳有限公司", "党支部", BranchKind.BRANCH),
        ("上海新文创地产投资管理有限公司", "党支部", BranchKind.BRANCH),
        ("市北燃气公司", "党支部", BranchKind.BRANCH),
        ("江湾市场监督管理所", "党支部", BranchKind.BRANCH),
        ("江湾镇街道社区卫生服务中心", "党支部", BranchKind.BRANCH),
    ):
        org = org_by_name.get(org_name)
        if org is not None:
            unit_branches.append(
                PartyBranch(
                    subdistrict_id=sid,
                    organization_id=org.pk,
                    neighborhood_id=org.neighborhood_id,
                    name=f"{org_name}{suffix}",
                    kind=branch_kind,
                    secretary=people.name(rng.choice("MF")),
                )
            )
    for prem in premises[:4] + premises[8:11]:
        unit_branches.append(
            PartyBranch(
                subdistrict_id=sid,
                neighborhood_id=prem.neighborhood_id,
                name=f"{prem.name}联合党支部",
                secretary=people.name(rng.choice("MF")),
            )
        )
    unit_branches = unit_branches[: max(0, 25 - len(branches))]
    _bulk(PartyBranch, unit_branches, counts)

    # People: committee staff, support cadres, volunteers.
    staff: list[CommitteeStaff] = []
    positions = ["书记", "主任", "副主任"]
    for hood in hoods:
        for s in range(shape.staff_per_neighborhood):
            gender = rng.choice("MF")
            staff.append(
                CommitteeStaff(
                    subdistrict_id=sid,
                    neighborhood_id=hood.pk,
                    name=people.name(gender),
                    position=positions[s] if s < len(positions) else "社区工作者",
                    is_party_member=s < 2 or rng.random() < 0.4,
                    party_branch=hood_branch.get(hood.pk),
                    **people.seal("phone", people.phone()),
                )
            )
    _bulk(CommitteeStaff, staff, counts)

    cadres: list[SupportCadre] = []
    slots = [(name, max(1, n * shape.cadres // 100)) for name, _kind, n in DEPARTMENTS]
    for dept_name, n in slots:
        named = list(NAMED_CADRES.get(dept_name, [])) if index == 0 else []
        for _ in range(n):
            gender = rng.choice("MF")
            cadres.append(
                SupportCadre(
                    subdistrict_id=sid,
                    name=named.pop(0) if named else people.name(gender),
                    department=departments[dept_name],
                    home_neighborhood_id=rng.choice(hoods).pk,
                    is_party_member=True,
                    party_branch=temp_branch,
                    skills=rng.choice(("", "驾驶", "医疗", "心理疏导", "信息录入", "外语")),
                    **people.seal("phone", people.phone()),
                )
            )
    _bulk(SupportCadre, cadres, counts)

    volunteers: list[Volunteer] = []
    specials = ["孙美莲", "郭文俊"] if index == 0 else []
    for v in range(shape.volunteers):
        hood = hoods[0] if v < len(specials) else rng.choice(hoods)
        party = rng.random() < 0.3
        volunteers.append(
            Volunteer(
                subdistrict_id=sid,
                neighborhood_id=hood.pk,
                name=specials[v] if v < len(specials) else people.name(rng.choice("MF")),
                skills="、".join(rng.sample(VOLUNTEER_SKILLS, rng.randrange(1, 3))),
                availability=rng.choice(AVAILABILITY),
                is_party_member=party,
                party_branch=hood_branch.get(hood.pk) if party else None,
                **people.seal("phone", people.phone()),
            )
        )
    _bulk(Volunteer, volunteers, counts)

    _residents(sid, households, shape, people, branch_list, hood_branch, counts)


def _residents(
    sid: int,
    households: list[tuple[int, int]],
    shape: Shape,
    people: _People,
    branch_list: list[PartyBranch],
    hood_branch: dict[int | None, PartyBranch],
    counts: dict[str, int],
) -> None:
    """Residents of each household (pk, neighborhood pk): a head, a spouse, children, sometimes a parent."""
    rng = people.rng
    today = people.today
    adapt_date = connections[Resident._default_manager.db].ops.adapt_datefield_value
    sizes = [1] * len(households)
    for _ in range(shape.residents - len(households)):
        sizes[rng.randrange(len(households))] += 1
    no_phone = ("", "", "")
    columns = (
        "neighborhood_id",
        "household_id",
        "name",
        "gender",
        "birth_date",
        "relation",
        "is_party_member",
        "party_branch_id",
        "id_number_enc",
        "id_number_hash",
        "id_number_masked",
        "phone_enc",
        "phone_hash",
        "phone_masked",
    )
    rows: list[tuple[Any, ...]] = []
    for (household_id, hood_id), size in zip(households, sizes, strict=True):
        head_birth = today - dt.timedelta(days=rng.randrange(25 * 365, 88 * 365))
        for member in range(size):
            if member == 0:
                relation, birth = Relation.HEAD, head_birth
            elif member == 1:
                relation = Relation.SPOUSE
                birth = head_birth + dt.timedelta(days=rng.randrange(-5 * 365, 5 * 365))
            elif member == 4:
                relation = Relation.PARENT
                birth = head_birth - dt.timedelta(days=rng.randrange(20 * 365, 30 * 365))
            else:
                relation = Relation.CHILD
                birth = head_birth + dt.timedelta(days=rng.randrange(20 * 365, 40 * 365))
            if birth >= today:
                birth = today - dt.timedelta(days=rng.randrange(30, 3000))
            if birth.year < 1900:
                birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650))
            id_number, sealed_id = people.id_number(birth)
            gender = "M" if int(id_number[16]) % 2 else "F"
            adult = (today - birth).days > 18 * 365
            party = adult and rng.random() < 0.06
            branch = None
            if party and branch_list:
                branch = (hood_branch.get(hood_id) or rng.choice(branch_list)).pk
            phone = (
                crypto.seal("phone", people.phone(), ring=people.ring)
                if adult or rng.random() < 0.3
                else None
            )
            rows.append(
                (
                    hood_id,
                    household_id,
                    people.name(gender),
                    gender,
                    adapt_date(birth),
                    relation.value,
                    party,
                    branch,
                    sealed_id.enc,
                    sealed_id.hash,
                    sealed_id.masked,
                    *((phone.enc, phone.hash, phone.masked) if phone else no_phone),
                )
            )
        if len(rows) >= BATCH * 5:
            _insert_rows(Resident, {"subdistrict_id": sid}, columns, rows, counts)
            rows = []
    if rows:
        _insert_rows(Resident, {"subdistrict_id": sid}, columns, rows, counts)


# --- demo accounts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    display_name: str


DEMO_ACCOUNTS = [
    DemoAccount(Role.HQ, "zhihuibu", "江湾指挥部"),
    DemoAccount(Role.OFFICE, "fazhanban", "社区发展办"),
    DemoAccount(Role.STAFF, "anfen", "安汾居委"),
    DemoAccount(Role.STAFF, "xinnaner", "新南二居委"),
    DemoAccount(Role.CADRE, "xiachen", "下沉干部"),
    DemoAccount(Role.ORG_CONTACT, "yinkang", "银康老年公寓"),
    DemoAccount(Role.DISTRICT_VIEWER, "quji", "区级查看"),
    DemoAccount(Role.AUDITOR, "shenji", "审计员"),
]


def create_demo_accounts(district: District, sub: SubDistrict) -> list[tuple[str, str, str]]:
    """One account per role in ``sub``; returns the rows of the account table (role, username, password)."""
    hoods = list(Neighborhood.objects.filter(subdistrict=sub).order_by("code")[:2])
    elderly_home = (
        Organization.objects.filter(subdistrict=sub, kind=OrganizationKind.ELDERLY_HOME)
        .order_by("pk")
        .first()
    )
    office = Office.objects.filter(subdistrict=sub, name="社区发展办").first()
    rows: list[tuple[str, str, str]] = []
    hashed = make_password(DEMO_PASSWORD)  # one Argon2 hash for the shared demo password
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        user = User(username=account.username, role=account.role, display_name=account.display_name)
        scope_hoods: list[Neighborhood] = []
        if account.role == Role.DISTRICT_VIEWER:
            user.district = district
        else:
            user.subdistrict = sub
        if account.role in (Role.HQ, Role.STAFF):
            user.may_reveal_personal_data = True
        if account.role == Role.OFFICE:
            user.domains = list(office.domains) if office else [Domain.REGISTRY]
            user.display_name = office.name if office else account.display_name
        if account.role == Role.STAFF:
            scope_hoods = hoods[:1] if account.username == "anfen" else hoods[1:2]
            if scope_hoods:
                user.display_name = f"{scope_hoods[0].name}工作人员"
        if account.role == Role.CADRE:
            scope_hoods = hoods[:1]
        if account.role == Role.ORG_CONTACT:
            user.organization = elderly_home
        user.password = hashed
        user.save()
        if scope_hoods:
            user.neighborhoods.set(scope_hoods)
        _link_profile(user, sub, scope_hoods)
        rows.append((str(Role(account.role).label), account.username, DEMO_PASSWORD))
    return rows


def _link_profile(user: User, sub: SubDistrict, hoods: Iterable[Neighborhood]) -> None:
    hood_ids = [h.pk for h in hoods]
    if user.role == Role.STAFF and hood_ids:
        staff = (
            CommitteeStaff.objects.filter(subdistrict=sub, neighborhood_id=hood_ids[0], user__isnull=True)
            .order_by("pk")
            .first()
        )
        if staff is not None:
            staff.user = user
            staff.save(update_fields=["user"])
            user.display_name = f"{staff.name}（{staff.neighborhood.name}）"
            user.save(update_fields=["display_name"])
    if user.role == Role.CADRE:
        cadre = SupportCadre.objects.filter(subdistrict=sub, user__isnull=True).order_by("pk").first()
        if cadre is not None:
            cadre.user = user
            cadre.home_neighborhood_id = hood_ids[0] if hood_ids else cadre.home_neighborhood_id
            cadre.save(update_fields=["user", "home_neighborhood"])
            user.display_name = f"{cadre.name}（{cadre.department.name}）"
            user.save(update_fields=["display_name"])


def demo_account_rows() -> list[tuple[str, str, str]]:
    """The account table for the demo accounts that exist (role, username, password)."""
    present = set(
        User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    return [
        (str(Role(a.role).label), a.username, DEMO_PASSWORD) for a in DEMO_ACCOUNTS if a.username in present
    ]


def format_accounts(rows: Sequence[tuple[str, str, str]]) -> str:
    """A plain table: 角色 / 用户名 / 密码, aligned for CJK terminals (a CJK character is two columns)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    def pad(text: str, to: int) -> str:
        return text + " " * (to - width(text))

    header = ("角色", "用户名", "密码")
    cols = [max(width(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = ["  ".join(pad(cell, cols[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * c for c in cols))
    return "\n".join(lines)
