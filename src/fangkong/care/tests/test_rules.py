"""The missed-week rule: the pure function, its properties, and the database query that must agree with it."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.care import selectors
from fangkong.care.choices import DeliveryOutcome
from fangkong.care.rules import REACHED, is_missed, week_of

MONDAY = dt.date(2020, 2, 3)
days = st.dates(min_value=MONDAY - dt.timedelta(days=21), max_value=MONDAY + dt.timedelta(days=20))
outcomes = st.sampled_from(list(DeliveryOutcome.values))
visits = st.lists(st.tuples(days, outcomes), max_size=6)


def test_week_of_is_the_monday():
    assert week_of(dt.date(2020, 2, 7)) == MONDAY == week_of(MONDAY)
    assert week_of(dt.date(2020, 2, 9)) == MONDAY and week_of(dt.date(2020, 2, 10)) != MONDAY


def test_examples():
    friday = dt.date(2020, 2, 7)
    base = dict(active=True, weekday=2, since=MONDAY - dt.timedelta(days=30), week=MONDAY)
    assert is_missed(**base, deliveries=[], today=friday)
    assert not is_missed(**base, deliveries=[], today=dt.date(2020, 2, 5))  # the day itself is not over
    assert is_missed(**base, deliveries=[(dt.date(2020, 2, 5), "not_home")], today=friday)
    assert not is_missed(**base, deliveries=[(dt.date(2020, 2, 6), "delivered")], today=friday)
    assert not is_missed(**base, deliveries=[(dt.date(2020, 2, 5), "refused")], today=friday)
    assert is_missed(**base, deliveries=[(dt.date(2020, 1, 31), "delivered")], today=friday)
    assert not is_missed(**{**base, "since": dt.date(2020, 2, 6)}, deliveries=[], today=friday)
    assert not is_missed(**{**base, "weekday": None}, deliveries=[], today=friday)
    assert not is_missed(**{**base, "active": False}, deliveries=[], today=friday)


@given(weekday=st.integers(0, 6), since=days, deliveries=visits, today=days)
def test_properties(weekday, since, deliveries, today):
    kw = dict(active=True, weekday=weekday, since=since, week=MONDAY, today=today)
    missed = is_missed(**kw, deliveries=deliveries)
    due = MONDAY + dt.timedelta(days=weekday)
    if missed:
        assert due < today and since <= due  # only once the day is over, only for people in care by then
        # any reaching visit in the week ends it; visits of other weeks or finding nobody home do not
        assert not is_missed(**kw, deliveries=[*deliveries, (MONDAY + dt.timedelta(days=6), "delivered")])
        assert is_missed(**kw, deliveries=[*deliveries, (MONDAY - dt.timedelta(days=1), "delivered")])
        assert is_missed(**kw, deliveries=[*deliveries, (due, "not_home")])
    else:
        reached = any(week_of(d) == MONDAY and o in REACHED for d, o in deliveries)
        assert reached or due >= today or since > due


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(
        st.tuples(st.one_of(st.none(), st.integers(0, 6)), days, st.booleans(), visits),
        min_size=1,
        max_size=6,
    ),
    today=days,
)
def test_the_query_agrees_with_the_rule(world, elderly, people, today):
    from fangkong.care.models import CareRecord, Delivery
    from fangkong.core.tests.matrix import rolled_back

    with rolled_back():
        residents = elderly(len(people))
        expected = set()
        for resident, (weekday, since, active, deliveries) in zip(residents, people, strict=True):
            rec = CareRecord.objects.create(
                subdistrict_id=resident.subdistrict_id,
                neighborhood_id=resident.neighborhood_id,
                resident=resident,
                reason="alone",
                weekday=weekday,
                since=since,
                status="active" if active else "closed",
            )
            for day, outcome in deliveries:
                Delivery.objects.create(
                    subdistrict_id=rec.subdistrict_id,
                    neighborhood_id=rec.neighborhood_id,
                    record=rec,
                    day=day,
                    week_start=week_of(day),
                    outcome=outcome,
                )
            if is_missed(
                active=active, weekday=weekday, since=since, deliveries=deliveries, week=MONDAY, today=today
            ):
                expected.add(rec.pk)
        found = set(
            selectors.missed_records(CareRecord.objects.all(), week=MONDAY, today=today).values_list(
                "pk", flat=True
            )
        )
        assert found == expected
        assert (
            set(selectors.missed(world.hq, today=today, week=MONDAY).values_list("pk", flat=True)) == expected
        )
