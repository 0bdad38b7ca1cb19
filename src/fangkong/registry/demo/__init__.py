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
transaction: the whole demo across apps (``fangkong.project.demo.build_demo``) is one transaction."""

from __future__ import annotations

from fangkong.registry.demo.accounts import (
    DEMO_ACCOUNTS,
    DemoAccount,
    create_demo_accounts,
    demo_account_rows,
    format_accounts,
)
from fangkong.registry.demo.generate import RegistryDemo, build_registry, demo_exists
from fangkong.registry.demo.rows import credit_code
from fangkong.registry.demo.shapes import DEFAULT_SEED, DEMO_PASSWORD, SCALES, SHAPES, Shape, shape_for

__all__ = [
    "DEFAULT_SEED",
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "SCALES",
    "SHAPES",
    "DemoAccount",
    "RegistryDemo",
    "Shape",
    "build_registry",
    "create_demo_accounts",
    "credit_code",
    "demo_account_rows",
    "demo_exists",
    "format_accounts",
    "shape_for",
]
