"""Short per-process caches for the booking hot path (rounds, the address book, pickup slots, stock hints).

Each entry lives a few seconds (core.ttlcache), so every gunicorn worker sees changes soon without asking the
database on every request. Writes in this process clear the affected entries at once (see services).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fangkong.core.ttlcache import TTLCache

ROUND_TTL = 2.0
ADDRESS_TTL = 30.0
SLOT_TTL = 5.0
STOCK_HINT_TTL = 2.0

_cache = TTLCache("masks")
cached = _cache.get
put = _cache.put
peek = _cache.peek
forget = _cache.forget


@dataclass(frozen=True)
class RoundInfo:
    id: int
    subdistrict_id: int
    name: str
    masks_per_household: int
    opens_at: Any
    closes_at: Any
    pickup_ends_at: Any
    mode: str
    status: str


@dataclass
class AddressBook:
    """The address tree of one sub-district: neighborhood › compound › building."""

    neighborhoods: list[tuple[int, str]]
    compounds: dict[int, list[tuple[int, str]]]
    buildings: dict[int, list[tuple[int, str]]]
    building_home: dict[int, tuple[int, int]]  # building id -> (compound id, neighborhood id)
    compound_home: dict[int, int]  # compound id -> neighborhood id


def round_info(round_id: int) -> RoundInfo | None:
    def load() -> RoundInfo | None:
        from fangkong.masks.models import MaskRound

        row = (
            MaskRound.objects.filter(pk=round_id)
            .values(
                "id",
                "subdistrict_id",
                "name",
                "masks_per_household",
                "opens_at",
                "closes_at",
                "pickup_ends_at",
                "mode",
                "status",
            )
            .first()
        )
        return RoundInfo(**row) if row else None

    return cached(("round", round_id), ROUND_TTL, load)


def address_book(subdistrict_id: int) -> AddressBook:
    def load() -> AddressBook:
        from fangkong.registry.models import Building, Compound, Neighborhood

        hoods = list(
            Neighborhood.objects.filter(subdistrict_id=subdistrict_id)
            .order_by("code", "name")
            .values_list("id", "name")
        )
        compounds: dict[int, list[tuple[int, str]]] = {}
        compound_home: dict[int, int] = {}
        for cid, hood_id, name in (
            Compound.objects.filter(subdistrict_id=subdistrict_id)
            .order_by("name")
            .values_list("id", "neighborhood_id", "name")
        ):
            compounds.setdefault(hood_id, []).append((cid, name))
            compound_home[cid] = hood_id
        buildings: dict[int, list[tuple[int, str]]] = {}
        building_home: dict[int, tuple[int, int]] = {}
        rows = (
            Building.objects.filter(subdistrict_id=subdistrict_id)
            .order_by("compound_id", "name")
            .values_list("id", "compound_id", "neighborhood_id", "name")
        )
        for bid, cid, hood_id, name in rows:
            buildings.setdefault(cid, []).append((bid, name))
            building_home[bid] = (cid, hood_id)
        for items in buildings.values():
            items.sort(key=lambda item: _natural(item[1]))
        return AddressBook(hoods, compounds, buildings, building_home, compound_home)

    return cached(("address", subdistrict_id), ADDRESS_TTL, load)


def _natural(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 10**9, name)


def forget_round(round_id: int) -> None:
    forget("round")
    forget("slots")
    forget("stock")
