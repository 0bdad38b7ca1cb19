"""The daily call list: round-robin assignment, "not called today", "missed yesterday" (every day, every
firm), and a constant number of queries as the firms grow."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.tests.matrix import rolled_back
from fangkong.inspections import selectors, services
from fangkong.inspections.models import Call, Firm
from fangkong.registry.models import Organization

pytestmark = pytest.mark.django_db
START = dt.date(2020, 2, 1)


def make_firms(world, n, start=0):
    orgs = Organization.objects.bulk_create(
        [Organization(subdistrict=world.sub, name=f"企业{start + i}") for i in range(n)]
    )
    return Firm.objects.bulk_create(
        [Firm(subdistrict=world.sub, organization=o, name_key=o.name) for o in orgs]
    )


def test_round_robin_shares_the_firms_and_turns_each_day(world, office):
    firms = make_firms(world, 10)
    day = dt.date(2020, 2, 12)
    share = [services.call_assignee(day, f.pk, office) for f in firms]
    assert abs(share.count(office[0]) - share.count(office[1])) <= 1
    tomorrow = [services.call_assignee(day + dt.timedelta(days=1), f.pk, office) for f in firms]
    assert all(a != b for a, b in zip(share, tomorrow, strict=True))
    mine = selectors.call_list(office[0], day=day, mine=True)
    assert mine.total == share.count(office[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(called=st.sets(st.integers(0, 9)), created=st.integers(0, 5))
def test_missed_yesterday_is_exactly_the_days_without_a_call(world, office, called, created):
    """For each day of a window, the firm is flagged missed on the next day iff it was on the list that day
    (registered by then) and nobody called it that day."""
    from django.utils import timezone

    with rolled_back():
        (firm,) = make_firms(world, 1)
        Firm.objects.filter(pk=firm.pk).update(
            created_at=timezone.make_aware(
                dt.datetime.combine(START + dt.timedelta(days=created), dt.time(8))
            )
        )
        for d in called:
            Call.objects.create(
                subdistrict=world.sub, firm=firm, day=START + dt.timedelta(days=d), outcome="reached"
            )
        for d in range(10):
            day = START + dt.timedelta(days=d)
            data = selectors.call_list(office[0], day=day + dt.timedelta(days=1))
            (row,) = data.rows
            expected = d >= created and d not in called
            assert row["firm"].missed_yesterday is expected, (d, called, created)
            assert data.missed_yesterday == int(expected)
            assert row["firm"].called_today is (d + 1 in called)


def test_call_list_query_count_is_constant(world, office, django_assert_max_num_queries, client):
    client.force_login(office[0])
    make_firms(world, 200)
    with django_assert_max_num_queries(12) as small:
        assert client.get("/inspections/calls/").status_code == 200
    make_firms(world, 1800, start=200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/inspections/calls/").status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/inspections/calls/?show=missed").status_code == 200


def test_record_call_marks_called_today(world, office):
    (firm,) = make_firms(world, 1)
    services.record_call(actor=office[0], firm=firm, outcome="reached")
    data = selectors.call_list(office[0])
    assert data.called == 1 and data.not_called == 0
