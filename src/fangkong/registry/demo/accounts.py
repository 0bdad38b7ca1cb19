"""The demo accounts, one per role, all with ``DEMO_PASSWORD``, and their printed table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from fangkong.core.choices import Domain, Role
from fangkong.core.models import User
from fangkong.registry.choices import (
    OrganizationKind,
)
from fangkong.registry.demo.shapes import DEMO_PASSWORD
from fangkong.registry.models import (
    CommitteeStaff,
    District,
    Neighborhood,
    Office,
    Organization,
    SubDistrict,
    SupportCadre,
)

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
