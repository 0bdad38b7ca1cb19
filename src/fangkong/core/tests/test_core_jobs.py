"""The platform's own jobs: daily figures snapshot, personal-data purge by policy, escalation."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.utils import timezone

from fangkong.core import core_jobs, figures, notify
from fangkong.core.models import DailyFigure, Notification
from fangkong.core.services import set_policy


def test_daily_snapshot_stores_and_replaces_each_providers_figures(world, monkeypatch):
    calls = []

    def provider(sub_id, day):
        calls.append((sub_id, day))
        return [(None, "test.total", 3), (world.hood_a.pk, "test.total", 2)]

    monkeypatch.setattr(figures, "_providers", [provider])
    period = timezone.make_aware(dt.datetime(2020, 2, 7, 23, 55))
    out = figures.snapshot_job(period)
    assert out["day"] == "2020-02-07"
    rows = DailyFigure.objects.filter(subdistrict=world.sub, key="test.total")
    assert {(r.neighborhood_id, r.value) for r in rows} == {(None, 3.0), (world.hood_a.pk, 2.0)}
    figures.snapshot_job(period)  # again: replaced, not doubled
    assert DailyFigure.objects.filter(subdistrict=world.sub, key="test.total").count() == 2
    assert figures.trend(world.sub.pk, "test.total", 14, until=dt.date(2020, 2, 8)) == [
        (dt.date(2020, 2, 7), 3.0)
    ]


def test_registered_providers_give_registry_figures(world):
    figures.snapshot(timezone.localdate(), subdistrict_ids=[world.sub.pk])
    total = DailyFigure.objects.get(subdistrict=world.sub, neighborhood=None, key="registry.residents")
    assert total.value == 2  # neighborhoods A and B have one resident each


def test_purge_job_reports_to_hq_by_default_and_applies_by_policy(world):
    from fangkong.registry.models import Volunteer
    from fangkong.registry.services import set_personal

    vol = Volunteer(subdistrict=world.sub, neighborhood=world.hood_a, name="志愿者甲", active=False)
    set_personal(vol, {"phone": "13812345678"})
    vol.save()
    Volunteer.objects.filter(pk=vol.pk).update(updated_at=timezone.now() - dt.timedelta(days=60))
    out = core_jobs.purge_job(timezone.now())
    assert out["reported"] >= 1 and out["applied"] == 0
    assert Notification.objects.filter(kind="core.purge_report", recipient=world.hq).exists()
    vol.refresh_from_db()
    assert vol.phone_enc  # a report changes nothing
    set_policy(
        actor=world.hq,
        subdistrict_id=world.sub.pk,
        key="personal_data_purge",
        value="apply",
        effective_from=timezone.localdate() - dt.timedelta(days=1),
    )
    out = core_jobs.purge_job(timezone.now())
    assert out["applied"] >= 1
    vol.refresh_from_db()
    assert vol.phone_enc == "" and vol.phone_hash == ""


def test_escalate_job(world):
    with override_settings(FANGKONG_ESCALATE_MINUTES="missed_report=1"):
        notify.alert(
            kind="missed_report",
            subject="漏报",
            recipients=[world.cadre],
            key="m1",
            subdistrict_id=world.sub.pk,
            neighborhood_id=world.hood_a.pk,
        )
        assert core_jobs.escalate_job(timezone.now() + dt.timedelta(minutes=2)) == {"escalated": 1}
