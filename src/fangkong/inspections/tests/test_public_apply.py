"""The firm's public application page (复工申请链接) and the firm's staff declarations."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.links import public_url
from fangkong.core.models import AuditEvent
from fangkong.core.testing import decode_qr_in_html
from fangkong.core.tests.matrix import rolled_back
from fangkong.inspections import services
from fangkong.inspections.choices import ApplicationChannel, ApplicationStatus, FirmStatus
from fangkong.inspections.models import Application, Firm

pytestmark = pytest.mark.django_db
CHECKS = {name: "on" for name in Application.CHECKLIST}


@pytest.fixture
def firm(world):
    return Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a)


@pytest.fixture
def token(world, firm):
    return services.issue_application_link(actor=world.hq, firm=firm)


def _post(client, token, **data):
    body = {"planned_date": "2020-02-10", "client_token": "t-1", **CHECKS, **data}
    return client.post(f"/inspections/p/apply/{token}/", body)


def test_office_issues_the_link_shown_once_with_a_qr_that_decodes_to_it(world, firm, as_persona):
    client = as_persona("hq")
    assert client.post(f"/inspections/firms/{firm.pk}/link/").status_code == 302
    page = client.get(f"/inspections/firms/{firm.pk}/").content.decode()
    link = decode_qr_in_html(page)
    assert link.startswith(public_url("/inspections/p/apply/"))
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.firm_for_link(token).pk == firm.pk
    assert len(token) >= 40 and token not in Firm.objects.get(pk=firm.pk).link_token_hash
    # shown once: the next view of the page has no link
    assert 'id="apply-link-card"' not in client.get(f"/inspections/firms/{firm.pk}/").content.decode()
    # a new link voids the old one
    client.post(f"/inspections/firms/{firm.pk}/link/")
    assert services.firm_for_link(token) is None
    assert Client().get(f"/inspections/p/apply/{token}/").status_code == 404


def test_committee_staff_and_the_contact_cannot_issue_links(world, firm, as_persona):
    assert as_persona("staff_a").post(f"/inspections/firms/{firm.pk}/link/").status_code == 404
    assert as_persona("org_contact").post(f"/inspections/firms/{firm.pk}/link/").status_code == 404
    page = as_persona("staff_a").get(f"/inspections/firms/{firm.pk}/").content.decode()
    assert 'id="link-form"' not in page


def test_contact_applies_on_the_phone_and_a_double_submit_is_one_application(world, firm, token):
    client = Client()
    page = client.get(f"/inspections/p/apply/{token}/").content.decode()
    assert world.org_a.name in page and 'id="public-apply-form"' in page
    from django.utils import timezone

    assert f'value="{timezone.localdate().isoformat()}"' in page  # the date input opens on today
    first = _post(client, token)
    assert first.status_code == 200 and 'id="apply-done"' in first.content.decode()
    again = _post(client, token)
    assert again.status_code == 200 and 'id="apply-repeat"' in again.content.decode()
    application = Application.objects.get()
    assert application.channel == ApplicationChannel.PUBLIC and application.submitted_by is None
    assert application.status == ApplicationStatus.PENDING
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.APPLIED
    # now the page tells the contact it is under review and offers no form
    page = client.get(f"/inspections/p/apply/{token}/").content.decode()
    assert 'id="public-apply-form"' not in page and 'id="not-open"' in page
    # the office decides it like any other
    services.decide_application(actor=world.hq, application=application, approve=True)
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.APPROVED


def test_a_public_submit_never_overwrites_what_staff_recorded(world, firm, token):
    staff_app, _ = services.apply_for_resumption(
        actor=world.staff_a,
        firm=firm,
        planned_date=dt.date(2020, 2, 12),
        checklist={name: True for name in Application.CHECKLIST},
        note="居委会录入",
    )
    response = _post(Client(), token, planned_date="2020-02-10", note="联系人改的")
    assert response.status_code == 200 and 'id="apply-done"' not in response.content.decode()
    assert list(Application.objects.values_list("pk", "planned_date", "note", "channel")) == [
        (staff_app.pk, dt.date(2020, 2, 12), "居委会录入", ApplicationChannel.STAFF)
    ]


def test_incomplete_checklist_changes_nothing(world, firm, token):
    response = _post(Client(), token, supplies="")
    assert response.status_code == 200
    assert "复工前须落实此项" in response.content.decode()
    assert not Application.objects.exists()
    assert Firm.objects.get(pk=firm.pk).status == FirmStatus.NOT_RESUMED


def test_forged_short_and_merged_links_answer_404(world, firm, token):
    client = Client()
    assert client.get("/inspections/p/apply/" + "x" * 43 + "/").status_code == 404
    assert client.get("/inspections/p/apply/short/").status_code == 404
    other = Firm.objects.create(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        organization=type(world.org_a).objects.create(subdistrict=world.sub, name="另一家"),
    )
    Firm.objects.filter(pk=firm.pk).update(merged_into=other)
    assert client.get(f"/inspections/p/apply/{token}/").status_code == 404


def test_the_page_names_only_its_own_firm(world, firm, token):
    other_org = type(world.org_a).objects.create(subdistrict=world.sub, name="隔壁科技有限公司")
    Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=other_org)
    page = Client().get(f"/inspections/p/apply/{token}/").content.decode()
    assert "隔壁科技有限公司" not in page and world.hood_a.name not in page


def test_public_submits_are_rate_limited(world, firm, token, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_INSPECTIONS_APPLY", "ip=100,key=3,window=60")
    client = Client()
    codes = [_post(client, token, client_token=f"t-{i}").status_code for i in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert Application.objects.count() == 1


FIELD_VALUES = st.one_of(st.text(max_size=60), st.sampled_from(["on", "", "2020-02-10", "9999-99-99", "0"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(["planned_date", "client_token", "note", *Application.CHECKLIST, "x"]), FIELD_VALUES
    ),
    path_token=st.one_of(st.none(), st.text(min_size=1, max_size=120)),
)
def test_fuzzed_public_posts_never_fail_and_never_half_apply(world, firm, token, data, path_token):
    with rolled_back():
        client = Client()
        tok = token if path_token is None else path_token.replace("/", "_").replace("\x00", "") or "_"
        try:
            response = client.post(f"/inspections/p/apply/{tok}/", data)
        except ValueError:  # the test client refuses NUL bytes in the body itself
            return
        assert response.status_code < 500
        created = Application.objects.count()
        status = Firm.objects.get(pk=firm.pk).status
        assert (created, status) in ((0, FirmStatus.NOT_RESUMED), (1, FirmStatus.APPLIED))
        if created:
            assert all(getattr(Application.objects.get(), n) for n in Application.CHECKLIST)


# ---------------------------------------------------------------- the firm's staff declarations


def _declare(world, rng, *, employer, name):
    from fangkong.core.testing import make_id_number, make_phone
    from fangkong.returnees import services as returnees
    from fangkong.returnees.services import DeclarationInput

    today = dt.date.today()
    return returnees.declare_return(
        actor=world.staff_a,
        data=DeclarationInput(
            building_id=world.building_a.pk,
            room="101",
            name=name,
            id_number=make_id_number(rng),
            phone=make_phone(rng),
            origin_code="420100",
            transport="rail",
            transport_number=f"G{rng.randint(1000, 9999)}",
            departure_date=today - dt.timedelta(days=2),
            arrival_date=today - dt.timedelta(days=1),
            employer_id=employer.pk if employer else None,
        ),
    ).declaration


def test_staff_declarations_for_the_contact_and_the_office_only(world, firm, as_persona):
    rng = random.Random(7)
    other_org = type(world.org_a).objects.create(subdistrict=world.sub, name="别家公司")
    other = Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=other_org)
    mine = _declare(world, rng, employer=world.org_a, name="李员工")
    _declare(world, rng, employer=other_org, name="王别家")
    _declare(world, rng, employer=None, name="赵无业")
    url = f"/inspections/firms/{firm.pk}/staff/"
    page = as_persona("org_contact").get(url).content.decode()
    assert "李员工" in page and "王别家" not in page and "赵无业" not in page
    assert mine.id_number_masked in page
    assert as_persona("org_contact").get(f"/inspections/firms/{other.pk}/staff/").status_code == 404
    for persona in ("staff_a", "cadre", "viewer", "auditor", "staff_b", "other_hq"):
        assert as_persona(persona).get(url).status_code == 404, persona
    assert "李员工" in as_persona("hq").get(url).content.decode()
    api = as_persona("org_contact").get(f"/api/v1/inspections/firms/{firm.pk}/staff").json()
    assert [row["name"] for row in api] == ["李员工"]
    assert AuditEvent.objects.filter(action="read", object_type="returnees.declaration").exists()
    # the firm page offers the link exactly to those who may follow it
    assert f'href="{url}"' in as_persona("org_contact").get(f"/inspections/firms/{firm.pk}/").content.decode()
    assert f'href="{url}"' not in as_persona("staff_a").get(f"/inspections/firms/{firm.pk}/").content.decode()


def test_staff_declarations_page_queries_do_not_grow(world, firm, as_persona, django_assert_max_num_queries):
    rng = random.Random(8)
    client = as_persona("hq")
    url = f"/inspections/firms/{firm.pk}/staff/"
    _declare(world, rng, employer=world.org_a, name="一号")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(12):
        _declare(world, rng, employer=world.org_a, name=f"员工{i}")
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).content.decode().count("<tr>") == 14
