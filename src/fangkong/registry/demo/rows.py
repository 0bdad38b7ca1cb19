"""Writing the demo's rows: unique synthetic people (names, sealed ID numbers and phones), ``bulk_create`` in
batches and one prepared statement (COPY on PostgreSQL, through core.bulk) for the large tables, valid credit codes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.db import connections, models
from django.utils import timezone
from stdnum.cn import uscc

from fangkong.core import bulk, crypto, personal
from fangkong.core.testing import make_id_number, make_phone
from fangkong.registry.demo.names import GIVEN_F, GIVEN_M, ID_REGIONS, SURNAMES
from fangkong.registry.demo.shapes import BATCH

# --- rows and people -------------------------------------------------------------------------------------


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

    def id_number(self, birth: dt.date) -> tuple[str, personal.Sealed]:
        """A new ID number born on ``birth``, unique in the database, and its sealed columns."""
        while True:
            value = make_id_number(self.rng, region=self.rng.choice(ID_REGIONS), birth=birth)
            digest = crypto.lookup_hash("id_number", value, ring=self.ring)
            if digest not in self.id_hashes:
                self.id_hashes.add(digest)
                sealed = personal.Sealed(
                    crypto.encrypt(value, ring=self.ring), digest, personal.mask(personal.ID_NUMBER, value)
                )
                return value, sealed

    def phone(self) -> str:
        while True:
            value = make_phone(self.rng)
            if value not in self.phones:
                self.phones.add(value)
                return value

    def seal(self, name: str, value: str, *, kind: str) -> dict[str, str]:
        return personal.columns(name, value, kind=kind, ring=self.ring)


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
    names = fixed_columns + [str(fields[c].column) for c in columns]
    head = tuple(fixed_values)
    # COPY on PostgreSQL, executemany elsewhere: core.bulk, the one bulk path (the demo is system code: no
    # actor, so the statements rather than the scoped writer).
    bulk.insert_columns(
        model._meta.db_table,
        names,
        [head + row for row in rows],
        using=model._default_manager.db,
        chunk=BATCH * 5,
    )
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
