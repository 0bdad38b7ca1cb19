"""The households format's bulk paths: reserved ids, bulk inserts and lookups, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest
from django.db import IntegrityError, connection, transaction

from fangkong.core import bulk, crypto
from fangkong.core.spreadsheets import ImportRefused, run_import
from fangkong.registry.imports import HOUSEHOLDS, HouseholdFormat
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.test_imports import HEADERS, resident_row, xlsx


def test_reserved_household_ids_are_new_and_never_reused(world):
    top = Household.objects.create(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        building=world.household_a.building,
        room="9901",
    )
    top_pk = top.pk
    top.delete()  # the largest id is gone; it must not be handed out again
    ids = bulk.reserve_ids(Household, 3)
    assert len(set(ids)) == 3 and min(ids) > top_pk
    assert not Household.objects.filter(pk__in=ids).exists()
    rows = [
        (pk, world.sub.pk, world.hood_a.pk, world.household_a.building_id, f"r{pk}", "", "", *_now(), 1)
        for pk in ids
    ]
    fields = ["id", "subdistrict_id", "neighborhood_id", "building_id", "room", "address", "note"]
    bulk.insert(Household, [*fields, *bulk.VERSION_FIELDS], rows)
    assert set(Household.objects.filter(pk__in=ids).values_list("room", flat=True)) == {
        f"r{pk}" for pk in ids
    }
    later = Household.objects.create(  # the ordinary insert path continues after the reserved ids
        subdistrict=world.sub, neighborhood=world.hood_a, building=world.household_a.building, room="9902"
    )
    assert later.pk > max(ids)


def _now():
    from django.utils import timezone

    value = connection.ops.adapt_datetimefield_value(timezone.now())
    return value, value


def test_bulk_insert_raises_djangos_integrity_error(world):
    """A duplicate ID hash (e.g. registered concurrently) fails as IntegrityError, which the engine turns
    into a refused import (COPY on PostgreSQL included)."""
    existing = world.resident_a
    existing.id_number_hash = "f" * 64
    existing.save()
    row = [world.sub.pk, world.hood_a.pk, world.household_a.pk, "重复", "resident_id", "x", "f" * 64, "m"]
    row += ["", "", "", "M", None, "head", False, "", *_now(), 1]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Resident, [*HouseholdFormat.RESIDENT_FIELDS, *bulk.VERSION_FIELDS], [tuple(row)])


def test_select_in_finds_every_key_of_a_long_list(world):
    hashes = [f"{i:064x}" for i in range(3000)]
    world.resident_a.id_number_hash = hashes[2500]
    world.resident_a.save()
    found = bulk.select_in(
        f"SELECT id FROM {Resident._meta.db_table} WHERE {{where}}", "id_number_hash", hashes
    )
    assert found == [(world.resident_a.pk,)]
    assert bulk.select_in("SELECT id FROM registry_resident WHERE {where}", "id", []) == []


def test_import_refused_when_a_resident_appears_during_the_commit(world, tmp_path, monkeypatch):
    """The lookup misses a resident registered after it ran; the insert then hits the unique constraint
    and the whole import is refused with nothing written."""
    rng = random.Random(5)
    rows = [resident_row(world.hood_a.name, str(700 + i), rng=rng) for i in range(3)]
    path = xlsx(tmp_path, HEADERS, rows)
    clash = crypto.lookup_hash("id_number", rows[1][6])
    original = HouseholdFormat._existing

    def stale(self, hashes, pks, *, lock):
        found = list(original(self, hashes, pks, lock=lock))
        Resident.objects.filter(pk=world.resident_a.pk).update(id_number_hash=clash)
        return iter(found)

    monkeypatch.setattr(HouseholdFormat, "_existing", stale)
    before = Resident.objects.count(), Household.objects.count()
    with pytest.raises(ImportRefused) as exc:
        run_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert "冲突" in exc.value.report.errors[0].message
    assert (Resident.objects.count(), Household.objects.count()) == before


def test_the_import_event_counts_what_the_bulk_writer_wrote(world, tmp_path):
    from fangkong.core.models import AuditEvent

    rng = random.Random(11)
    rows = [resident_row("安汾居民区", "301", rng=rng), resident_row("安汾居民区", "302", rng=rng)]
    path = xlsx(tmp_path, HEADERS, rows)
    run_import(HOUSEHOLDS, path, actor=world.staff_a)
    event = AuditEvent.objects.filter(action="import").latest("id")
    assert event.changes["written"] == {"registry.household.created": 2, "registry.resident.created": 2}
