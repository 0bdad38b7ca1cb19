"""Generating the registry of each demo sub-district, one function per kind of record, in an order that keeps
the seeded generator's draws (the same seed gives the same data)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections

from fangkong.core import crypto, personal
from fangkong.registry.choices import (
    BranchKind,
    OrganizationKind,
    PremisesKind,
    Relation,
)
from fangkong.registry.demo.accounts import create_demo_accounts
from fangkong.registry.demo.names import (
    AVAILABILITY,
    COMPOUND_SUFFIXES,
    DEPARTMENTS,
    DISTRICT,
    HOOD_SYLLABLES,
    INDUSTRIES,
    NAMED_CADRES,
    NAMED_ORGS,
    NEIGHBORHOODS,
    OFFICES,
    ORG_FORMS,
    ORG_WORDS_A,
    ORG_WORDS_B,
    PREMISES,
    ROADS,
    SOCIAL_FORMS,
    SUBDISTRICTS,
    VOLUNTEER_SKILLS,
)
from fangkong.registry.demo.rows import _bulk, _insert_rows, _People, _spread, credit_code
from fangkong.registry.demo.shapes import BATCH, DEFAULT_SEED, Shape, shape_for
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

# --- generation -------------------------------------------------------------------------------------------


@dataclass
class RegistryDemo:
    """What ``build_registry`` wrote: the sub-districts, rows per model label and the demo accounts."""

    subdistricts: list[SubDistrict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


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


@dataclass
class _Build:
    """One sub-district under construction: its inputs, and the records each step leaves for the next."""

    sub: SubDistrict
    index: int
    shape: Shape
    people: _People
    departments: dict[str, LineDepartment]
    counts: dict[str, int]
    north: PatrolZone | None = None
    south: PatrolZone | None = None
    hoods: list[Neighborhood] = field(default_factory=list)
    zone_of_hood: dict[int, PatrolZone] = field(default_factory=dict)
    compounds: list[Compound] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    households: list[tuple[int, int]] = field(default_factory=list)
    branches: list[PartyBranch] = field(default_factory=list)
    hood_branch: dict[int | None, PartyBranch] = field(default_factory=dict)
    premises: list[Premises] = field(default_factory=list)
    orgs: list[Organization] = field(default_factory=list)

    @property
    def rng(self) -> random.Random:
        return self.people.rng

    @property
    def sid(self) -> int:
        return self.sub.pk


def _build_subdistrict(
    sub: SubDistrict,
    index: int,
    shape: Shape,
    people: _People,
    departments: dict[str, LineDepartment],
    counts: dict[str, int],
) -> None:
    """Write one sub-district's registry, kind by kind (the order keeps the seeded generator's draws)."""
    b = _Build(sub, index, shape, people, departments, counts)
    _offices_and_patrol_zones(b)
    _neighborhoods(b)
    _compounds(b)
    _buildings(b)
    _households(b)
    _neighborhood_branches(b)
    _premises(b)
    _organizations(b)
    _unit_branches(b)
    _committee_staff(b)
    _support_cadres(b)
    _volunteers(b)
    _residents(b.sid, b.households, shape, people, b.branches[1:], b.hood_branch, counts)


def _offices_and_patrol_zones(b: _Build) -> None:
    sid, counts = b.sid, b.counts
    _bulk(Office, [Office(subdistrict_id=sid, name=n, domains=list(d)) for n, d in OFFICES], counts)
    b.north, b.south = _bulk(
        PatrolZone,
        [
            PatrolZone(subdistrict_id=sid, name="万安路以北", description="万安路以北的沿街商铺和小区"),
            PatrolZone(subdistrict_id=sid, name="万安路以南", description="万安路以南的沿街商铺和小区"),
        ],
        counts,
    )


def _neighborhoods(b: _Build) -> None:
    sub, rng = b.sub, b.rng
    b.hoods = _bulk(
        Neighborhood,
        [
            Neighborhood(
                subdistrict_id=b.sid,
                name=name,
                code=f"{sub.code}{i + 1:02d}",
                committee_address=f"{rng.choice(ROADS)}{rng.randrange(1, 900)}号",
                committee_phone=f"021-{rng.randrange(5500_0000, 6700_0000)}",
            )
            for i, name in enumerate(_hood_names(b.index, b.shape.neighborhoods, rng))
        ],
        b.counts,
    )
    half = len(b.hoods) // 2
    assert b.north is not None and b.south is not None
    b.zone_of_hood = {h.pk: (b.north if i < half else b.south) for i, h in enumerate(b.hoods)}


def _compounds(b: _Build) -> None:
    rng, sid = b.rng, b.sid
    compounds: list[Compound] = []
    for hood, n_compounds in zip(b.hoods, _spread(b.shape.compounds, len(b.hoods)), strict=True):
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
                    patrol_zone=b.zone_of_hood[hood.pk],
                )
            )
    if b.index == 0 and compounds:
        compounds[0].name = "虹教小区"
    b.compounds = _bulk(Compound, compounds, b.counts)


def _buildings(b: _Build) -> None:
    rng = b.rng
    buildings: list[Building] = []
    for compound, n_buildings in zip(b.compounds, _spread(b.shape.buildings, len(b.compounds)), strict=True):
        for n in range(n_buildings):
            buildings.append(
                Building(
                    subdistrict_id=b.sid,
                    neighborhood_id=compound.neighborhood_id,
                    compound_id=compound.pk,
                    name=f"{n + 1}号",
                    floors=rng.choice((6, 6, 6, 7, 11, 14, 18, 24)),
                )
            )
    b.buildings = _bulk(Building, buildings, b.counts)


def _households(b: _Build) -> None:
    """Households are many: one prepared statement (COPY on PostgreSQL), then their keys read back."""
    sid = b.sid
    compound_by_id = {c.pk: c for c in b.compounds}
    household_rows: list[tuple[int, int, str, str]] = []
    for building, n_households in zip(
        b.buildings, _spread(b.shape.households, len(b.buildings)), strict=True
    ):
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
        b.counts,
    )
    pk_of = {
        (building, room): (pk, hood)
        for pk, building, room, hood in Household.objects.filter(subdistrict_id=sid).values_list(
            "pk", "building_id", "room", "neighborhood_id"
        )
    }
    b.households = [pk_of[(row[1], row[2])] for row in household_rows]


def _neighborhood_branches(b: _Build) -> None:
    """The support force's temporary branch, then the first neighborhoods' general branches."""
    rng, people, sid = b.rng, b.people, b.sid
    branches = [
        PartyBranch(
            subdistrict_id=sid,
            name="区支援力量临时支部",
            kind=BranchKind.TEMPORARY,
            is_temporary=True,
            secretary=people.name("M"),
        )
    ]
    for hood in b.hoods[: min(9, len(b.hoods))]:
        branches.append(
            PartyBranch(
                subdistrict_id=sid,
                neighborhood_id=hood.pk,
                name=f"{hood.name}党总支",
                kind=BranchKind.GENERAL,
                secretary=people.name(rng.choice("MF")),
            )
        )
    b.branches = _bulk(PartyBranch, branches, b.counts)
    b.hood_branch = {branch.neighborhood_id: branch for branch in b.branches[1:]}


def _premises(b: _Build) -> None:
    rng, hoods, north, south = b.rng, b.hoods, b.north, b.south
    b.premises = _bulk(
        Premises,
        [
            Premises(
                subdistrict_id=b.sid,
                neighborhood_id=hoods[i % len(hoods)].pk if kind != PremisesKind.STREET_SHOPS else None,
                patrol_zone=(
                    north if "北" in name else south if "南" in name else rng.choice((north, south))
                ),
                name=name,
                kind=kind,
                address=f"{rng.choice(ROADS)}{rng.randrange(1, 900)}号",
            )
            for i, (name, kind) in enumerate(PREMISES[: b.shape.premises])
        ],
        b.counts,
    )


def _organizations(b: _Build) -> None:
    """The article's named organisations, then generated enterprises, shops and new social organisations."""
    rng, people, hoods, premises = b.rng, b.people, b.hoods, b.premises
    region = DISTRICT[1]
    codes: set[str] = set()
    orgs: list[Organization] = []

    def add_org(name: str, kind: str, industry: str, prefix: str, premises_obj: Premises | None) -> None:
        hood = hoods[rng.randrange(len(hoods))]
        if name == "上海银康老年公寓":
            hood = hoods[0]
        zone = premises_obj.patrol_zone if premises_obj else b.zone_of_hood[hood.pk]
        org = Organization(
            subdistrict_id=b.sid,
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
            **people.seal("contact_phone", people.phone(), kind=personal.PHONE),
        )
        orgs.append(org)

    for name, kind, industry, prefix in NAMED_ORGS[: b.shape.organizations]:
        add_org(name, kind, industry, prefix, None)
    names_used = {o.name for o in orgs}
    while len(orgs) < b.shape.organizations:
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
    b.orgs = _bulk(Organization, orgs, b.counts)


UNIT_BRANCHES = (
    ("上海粤海大酒店", "党支部", BranchKind.BRANCH),
    ("上海银建出租汽车有限公司", "党总支", BranchKind.GENERAL),
    ("上海银康老年公寓", "党支部", BranchKind.BRANCH),
    ("上海铁岳有限公司", "党支部", BranchKind.BRANCH),
    ("上海新文创地产投资管理有限公司", "党支部", BranchKind.BRANCH),
    ("市北燃气公司", "党支部", BranchKind.BRANCH),
    ("江湾市场监督管理所", "党支部", BranchKind.BRANCH),
    ("江湾镇街道社区卫生服务中心", "党支部", BranchKind.BRANCH),
)


def _unit_branches(b: _Build) -> None:
    """Unit and new-type organisation branches, up to 25 branches in all."""
    rng, people = b.rng, b.people
    org_by_name = {o.name: o for o in b.orgs}
    unit_branches: list[PartyBranch] = []
    for org_name, suffix, branch_kind in UNIT_BRANCHES:
        org = org_by_name.get(org_name)
        if org is not None:
            unit_branches.append(
                PartyBranch(
                    subdistrict_id=b.sid,
                    organization_id=org.pk,
                    neighborhood_id=org.neighborhood_id,
                    name=f"{org_name}{suffix}",
                    kind=branch_kind,
                    secretary=people.name(rng.choice("MF")),
                )
            )
    for prem in b.premises[:4] + b.premises[8:11]:
        unit_branches.append(
            PartyBranch(
                subdistrict_id=b.sid,
                neighborhood_id=prem.neighborhood_id,
                name=f"{prem.name}联合党支部",
                secretary=people.name(rng.choice("MF")),
            )
        )
    unit_branches = unit_branches[: max(0, 25 - len(b.branches))]
    _bulk(PartyBranch, unit_branches, b.counts)


def _committee_staff(b: _Build) -> None:
    rng, people = b.rng, b.people
    staff: list[CommitteeStaff] = []
    positions = ["书记", "主任", "副主任"]
    for hood in b.hoods:
        for s in range(b.shape.staff_per_neighborhood):
            gender = rng.choice("MF")
            staff.append(
                CommitteeStaff(
                    subdistrict_id=b.sid,
                    neighborhood_id=hood.pk,
                    name=people.name(gender),
                    position=positions[s] if s < len(positions) else "社区工作者",
                    is_party_member=s < 2 or rng.random() < 0.4,
                    party_branch=b.hood_branch.get(hood.pk),
                    **people.seal("phone", people.phone(), kind=personal.PHONE),
                )
            )
    _bulk(CommitteeStaff, staff, b.counts)


def _support_cadres(b: _Build) -> None:
    """The line departments' cadres, all in the support force's temporary branch."""
    rng, people = b.rng, b.people
    cadres: list[SupportCadre] = []
    slots = [(name, max(1, n * b.shape.cadres // 100)) for name, _kind, n in DEPARTMENTS]
    for dept_name, n in slots:
        named = list(NAMED_CADRES.get(dept_name, [])) if b.index == 0 else []
        for _ in range(n):
            gender = rng.choice("MF")
            cadres.append(
                SupportCadre(
                    subdistrict_id=b.sid,
                    name=named.pop(0) if named else people.name(gender),
                    department=b.departments[dept_name],
                    home_neighborhood_id=rng.choice(b.hoods).pk,
                    is_party_member=True,
                    party_branch=b.branches[0],
                    skills=rng.choice(("", "驾驶", "医疗", "心理疏导", "信息录入", "外语")),
                    **people.seal("phone", people.phone(), kind=personal.PHONE),
                )
            )
    _bulk(SupportCadre, cadres, b.counts)


def _volunteers(b: _Build) -> None:
    rng, people, hoods = b.rng, b.people, b.hoods
    volunteers: list[Volunteer] = []
    specials = ["孙美莲", "郭文俊"] if b.index == 0 else []
    for v in range(b.shape.volunteers):
        hood = hoods[0] if v < len(specials) else rng.choice(hoods)
        party = rng.random() < 0.3
        volunteers.append(
            Volunteer(
                subdistrict_id=b.sid,
                neighborhood_id=hood.pk,
                name=specials[v] if v < len(specials) else people.name(rng.choice("MF")),
                skills="、".join(rng.sample(VOLUNTEER_SKILLS, rng.randrange(1, 3))),
                availability=rng.choice(AVAILABILITY),
                is_party_member=party,
                party_branch=b.hood_branch.get(hood.pk) if party else None,
                **people.seal("phone", people.phone(), kind=personal.PHONE),
            )
        )
    _bulk(Volunteer, volunteers, b.counts)


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
                personal.seal(personal.PHONE, people.phone(), ring=people.ring)
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
