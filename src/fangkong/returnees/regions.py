"""GB/T 2260 origin regions, province › city, derived once from python-stdnum's database of Chinese region
codes (``stdnum/cn/loc.dat``). Historic names (a closed year range) are left out; municipalities, whose
second level is only 市辖区/县, list their districts instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖行政单位"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    province_code: str
    province_name: str

    @property
    def full_name(self) -> str:
        return self.name if self.code == self.province_code else f"{self.province_name}{self.name}"


def _current_name(raw: str) -> str:
    """The name in use today from an entry like '[-1991]东郊区,[1992-]东丽区'; '' when none is current."""
    for part in raw.split(","):
        match = _RANGE.match(part)
        if not match:
            return part
        if match.group(2) is None:
            return match.group(3)
    return ""


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Region], list[tuple[Region, list[Region]]]]:
    from stdnum import numdb

    db = numdb.get("cn/loc")
    by_code: dict[str, Region] = {}
    tree: list[tuple[Region, list[Region]]] = []
    for _len, low, _high, props, children in db.prefixes:
        province_name = props.get("province", "")
        pcode = f"{low}0000"
        province = Region(pcode, province_name, pcode, province_name)
        cities: list[Region] = []
        districts: list[Region] = []
        for _l, clow, _h, cprops, _c in children:
            name = _current_name(cprops.get("county", ""))
            if not name or clow == "0000" or name in _PLACEHOLDERS:
                continue
            region = Region(f"{low}{clow}", name, pcode, province_name)
            (cities if clow.endswith("00") else districts).append(region)
        listed = cities or districts
        if not listed and not province_name:
            continue
        tree.append((province, listed))
        by_code[pcode] = province
        for region in listed:
            by_code[region.code] = region
    return by_code, tree


def provinces() -> list[tuple[Region, list[Region]]]:
    return _table()[1]


def region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: province › (the whole province, then its cities)."""
    out = []
    for province, cities in provinces():
        options = [(province.code, _("%(p)s（全省/市）") % {"p": province.name})]
        options += [(c.code, c.name) for c in cities]
        out.append((province.name, options))
    return out


def lookup(code: str) -> Region:
    """The region for a 6-digit code, or a ValidationError with a clear message."""
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("请选择来沪前所在地区。"), code="required")
    region = _table()[0].get(code)
    if region is None:
        raise ValidationError(
            _("地区代码 %(code)s 不存在，请从省、市列表中选择。") % {"code": code}, code="region"
        )
    return region


def is_known(code: str) -> bool:
    return code in _table()[0]


def prefix_name(prefix: str) -> str:
    """The GB/T 2260 name of a code prefix as risk rules hold them ("42" → 湖北省, "4201" → 湖北省武汉市);
    '' when no region has that code."""
    prefix = (prefix or "").strip()
    if not prefix.isdigit() or len(prefix) > 6 or len(prefix) % 2:
        return ""
    region = _table()[0].get(prefix.ljust(6, "0"))
    return region.full_name if region else ""
