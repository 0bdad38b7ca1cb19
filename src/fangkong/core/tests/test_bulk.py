"""core.bulk: the one bulk write path gives the services' rules by construction (scope, versions, counts)."""

from __future__ import annotations

import pytest
from django.db import transaction

from fangkong.core import bulk
from fangkong.core.exceptions import ConflictError, ScopeError
from fangkong.core.scope import scope_for
from fangkong.core.services import check_write_scope
from fangkong.project.testing import PERSONAS
from fangkong.registry.models import Household

FIELDS = ["subdistrict_id", "neighborhood_id", "building_id", "room", "address", "note"]


def _row(world, hood, room="909"):
    household = Household.objects.get(neighborhood=hood)
    return (hood.subdistrict_id, hood.pk, household.building_id, room, f"地址{room}", "")


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_may_write_place_answers_what_check_write_scope_answers(world, persona):
    actor = getattr(world, persona)
    scope = scope_for(actor)
    for hood in (world.hood_a, world.hood_b, world.hood_other):
        household = Household.objects.get(neighborhood=hood)
        try:
            check_write_scope(actor, household)
            expected = True
        except ScopeError:
            expected = False
        assert bulk.may_write_place(scope, hood.subdistrict_id, hood.pk, domain="registry") == expected


def test_insert_stamps_versions_and_counts(world):
    writer = bulk.BulkWriter(actor=world.staff_a)
    with transaction.atomic():
        writer.insert(Household, FIELDS, [_row(world, world.hood_a, "901"), _row(world, world.hood_a, "902")])
    made = Household.objects.filter(room__in=["901", "902"])
    assert made.count() == 2
    assert {h.version for h in made} == {1}
    assert all(h.created_at and h.updated_at for h in made)
    assert writer.counts == {"registry.household.created": 2}


def test_insert_outside_scope_writes_nothing(world):
    writer = bulk.BulkWriter(actor=world.staff_a)
    before = Household.objects.count()
    with pytest.raises(ScopeError), transaction.atomic():
        writer.insert(Household, FIELDS, [_row(world, world.hood_a, "903"), _row(world, world.hood_b, "904")])
    assert Household.objects.count() == before


def test_writes_need_the_callers_transaction(world):
    from django.db import connections

    writer = bulk.BulkWriter(actor=world.hq)
    conn = connections["default"]
    was = conn.in_atomic_block
    conn.in_atomic_block = False  # as outside the test's own transaction
    try:
        with pytest.raises(RuntimeError):
            writer.insert(Household, FIELDS, [_row(world, world.hood_a, "905")])
    finally:
        conn.in_atomic_block = was
    assert not Household.objects.filter(room="905").exists()


def test_update_bumps_the_version_and_refuses_a_stale_one(world):
    household = Household.objects.get(neighborhood=world.hood_a)
    writer = bulk.BulkWriter(actor=world.staff_a)
    with transaction.atomic():
        writer.update(
            Household,
            ["note"],
            [("改过", household.pk, household.version)],
            sub_id=world.sub.pk,
            previous=[world.hood_a.pk],
        )
    fresh = Household.objects.get(pk=household.pk)
    assert (fresh.note, fresh.version) == ("改过", household.version + 1)
    assert fresh.updated_at > household.updated_at
    with pytest.raises(ConflictError), transaction.atomic():
        writer.update(
            Household,
            ["note"],
            [("再改", household.pk, household.version)],
            sub_id=world.sub.pk,
            previous=[world.hood_a.pk],
        )
    assert Household.objects.get(pk=household.pk).note == "改过"


def test_update_checks_the_old_and_the_new_neighborhood(world):
    household = Household.objects.get(neighborhood=world.hood_b)
    writer = bulk.BulkWriter(actor=world.staff_a)
    with pytest.raises(ScopeError), transaction.atomic():  # a row of B, read in B
        writer.update(
            Household,
            ["note"],
            [("x", household.pk, household.version)],
            sub_id=world.sub.pk,
            previous=[world.hood_b.pk],
        )
    mine = Household.objects.get(neighborhood=world.hood_a)
    with pytest.raises(ScopeError), transaction.atomic():  # moved to B
        writer.update(
            Household,
            ["neighborhood_id"],
            [(world.hood_b.pk, mine.pk, mine.version)],
            sub_id=world.sub.pk,
            previous=[world.hood_a.pk],
        )
    assert Household.objects.get(pk=mine.pk).neighborhood_id == world.hood_a.pk


@pytest.mark.parametrize("chunk", [0, 1, 2])
def test_insert_columns_chunks_give_the_same_rows(world, chunk):
    hood = world.hood_a
    household = Household.objects.get(neighborhood=hood)
    meta = Household._meta
    columns = [meta.get_field(f).column for f in [*FIELDS, "created_at", "updated_at", "version"]]
    now = household.created_at
    rows = [
        (hood.subdistrict_id, hood.pk, household.building_id, f"8{i}", "", "", now, now, 1) for i in range(3)
    ]
    with transaction.atomic():
        bulk.insert_columns(meta.db_table, columns, rows, chunk=chunk)
    assert sorted(Household.objects.filter(room__startswith="8").values_list("room", flat=True)) == [
        "80",
        "81",
        "82",
    ]
