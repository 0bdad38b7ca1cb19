from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fangkong.core.models import AuditEvent
from fangkong.inspections import services
from fangkong.inspections.choices import ApplicationStatus, FirmStatus
from fangkong.inspections.models import Application, Firm

pytestmark = pytest.mark.django_db
ALL = {name: True for name in Application.CHECKLIST}


@pytest.fixture
def firm(world):
    return Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a)


def test_contact_applies_and_office_approves(world, firm, office):
    app, created = services.apply_for_resumption(
        actor=world.org_contact,
        firm=firm,
        planned_date=dt.date(2020, 2, 10),
        checklist=ALL,
        client_token="t1",
    )
    assert created and Firm.objects.get(pk=firm.pk).status == FirmStatus.APPLIED
    again, created = services.apply_for_resumption(
        actor=world.org_contact,
        firm=firm,
        planned_date=dt.date(2020, 2, 10),
        checklist=ALL,
        client_token="t1",
    )
    assert not created and again.pk == app.pk and Application.objects.count() == 1
    services.decide_application(actor=office[0], application=app, approve=True)
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.APPROVED
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.APPROVED
    assert AuditEvent.objects.filter(object_type="inspections.firm").count() == 2


def test_incomplete_checklist_is_refused(world, firm):
    with pytest.raises(ValidationError) as exc:
        services.apply_for_resumption(
            actor=world.hq, firm=firm, planned_date=dt.date(2020, 2, 10), checklist={**ALL, "supplies": False}
        )
    assert "supplies" in exc.value.message_dict
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.NOT_RESUMED


def test_return_needs_a_reason_and_goes_back(world, firm):
    app, _ = services.apply_for_resumption(
        actor=world.hq, firm=firm, planned_date=dt.date(2020, 2, 10), checklist=ALL
    )
    with pytest.raises(ValidationError):
        services.decide_application(actor=world.hq, application=app, approve=False)
    services.decide_application(actor=world.hq, application=app, approve=False, reason="防控方案不完整")
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.NOT_RESUMED


def test_contact_sees_only_own_firm(world, firm, as_persona):
    from fangkong.registry.models import Organization

    other = Firm.objects.create(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        organization=Organization.objects.create(subdistrict=world.sub, name="别家"),
    )
    client = as_persona("org_contact")
    assert client.get(f"/inspections/firms/{firm.pk}/").status_code == 200
    assert client.get(f"/inspections/firms/{other.pk}/").status_code == 404
    page = client.get("/inspections/").content.decode()
    assert "别家" not in page
    assert client.get("/inspections/calls/").status_code == 404
