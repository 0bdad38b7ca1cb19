"""How much a demo sub-district holds at each scale (``SCALES``), and the demo's fixed password and seed."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
