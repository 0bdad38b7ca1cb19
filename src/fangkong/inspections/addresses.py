"""Names and addresses as the census writes them, and the zone boundary as data.

``name_key``/``address_key`` are the comparison keys of the duplicate check: full-width forms folded to
ASCII, spaces and punctuation dropped, the city prefix and the legal-form suffix of a name made uniform.
``parse_address`` finds the road and house number ("万安路123号", "沽源路 88 弄 3 号" → 沽源路, 88), and
``zone_for`` applies a sub-district's boundary rows (road, number range, side) to them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_PUNCT = re.compile(r"[\s\-_·•.,，。、;；:：'\"“”‘’()（）\[\]【】<>《》/\\|]+")
_CITY = re.compile(r"^(中国)?(上海市?|沪)")
_SUFFIXES = (
    ("股份有限公司", "股份有限公司"),
    ("有限责任公司", "有限公司"),
    ("有限公司", "有限公司"),
)
_ADDRESS_PREFIX = re.compile(r"^(中国)?(上海市?)?(虹口区)?(江湾镇街道|江湾镇)?")
_ROAD = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:路|街|大道|道|巷|弄|浜|村))\s*(\d{1,5})\s*(?:号|弄|支弄)")


def fold(text: str) -> str:
    """Full-width letters, digits and signs to ASCII (NFKC), upper case, no punctuation or spaces."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def name_key(name: str) -> str:
    """The comparison key of a unit name: folded, without a leading 上海/上海市, legal forms made uniform."""
    key = _CITY.sub("", fold(name))
    for suffix, canonical in _SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)] + canonical
    return key


def address_key(address: str) -> str:
    """The comparison key of an address: folded, without the city, district and sub-district prefix."""
    return _ADDRESS_PREFIX.sub("", fold(address))


@dataclass(frozen=True)
class Place:
    road: str
    number: int | None


def parse_address(address: str) -> Place:
    """The first road and house number of an address ("" and None when there is none)."""
    text = _ADDRESS_PREFIX.sub("", unicodedata.normalize("NFKC", address or "").replace(" ", ""))
    match = _ROAD.search(text)
    if not match:
        return Place("", None)
    return Place(match.group(1), int(match.group(2)))


MAX_NUMBER = 100_000  # an open range ends here (house numbers have at most 5 digits)


@dataclass(frozen=True)
class Boundary:
    """A boundary row as the mapping reads it (see ``models.ZoneRule``)."""

    road: str
    zone_id: int
    from_number: int | None = None
    to_number: int | None = None
    parity: str = "all"

    def matches(self, place: Place) -> bool:
        if not fold(place.road).endswith(fold(self.road)):
            return False
        if self.from_number is None and self.to_number is None and self.parity == "all":
            return True
        if place.number is None:
            return False
        if self.from_number is not None and place.number < self.from_number:
            return False
        if self.to_number is not None and place.number > self.to_number:
            return False
        if self.parity == "odd":
            return place.number % 2 == 1
        if self.parity == "even":
            return place.number % 2 == 0
        return True

    @property
    def width(self) -> float:
        low = self.from_number if self.from_number is not None else 0
        high = self.to_number if self.to_number is not None else MAX_NUMBER
        return (high - low) * (1 if self.parity == "all" else 0.5)


def zone_for(rules: Iterable[Boundary], place: Place) -> int | None:
    """The zone of ``place``: of the matching rows, the narrowest (a one-side row is half as wide); ties go
    to the lower zone id, so the answer never depends on the rows' order. None when no row matches."""
    best: tuple[float, int] | None = None
    for rule in rules:
        if rule.matches(place):
            candidate = (rule.width, rule.zone_id)
            if best is None or candidate < best:
                best = candidate
    return best[1] if best else None


def index_rules(rules: Iterable[Boundary]) -> dict[str, list[Boundary]]:
    """Rows by folded road name, so mapping many addresses looks at one road's rows each."""
    out: dict[str, list[Boundary]] = {}
    for rule in rules:
        out.setdefault(fold(rule.road), []).append(rule)
    return out


def zone_in_index(index: dict[str, list[Boundary]], place: Place) -> int | None:
    """``zone_for`` over the rows of the place's road; the road as parsed may carry a leading place name
    ("中图蓝桥万安路"), so each of its endings is looked up."""
    road = fold(place.road)
    rows = [rule for i in range(len(road)) for rule in index.get(road[i:], ())]
    return zone_for(rows, place) if rows else None
