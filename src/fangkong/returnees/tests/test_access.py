"""Pages offer a control only when its predicate (returnees.access) allows it, and the view asks the same
predicate; staff with the reveal permission see a returnee's phone through the audited 查看明文."""

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEvent

pytestmark = pytest.mark.django_db

CONTROLS = {
    "report": 'id="phone-report"',
    "extend": 'id="extend"',
    "release": 'id="release"',
    "reissue": 'id="reissue"',
}


@pytest.mark.parametrize(
    "persona, offered",
    [
        ("hq", {"report", "extend", "release", "reissue"}),
        ("staff_a", {"report", "extend", "release", "reissue"}),
        ("cadre", {"report", "extend", "reissue"}),  # release is signed by committee staff or HQ
        ("viewer", set()),
        ("auditor", set()),
    ],
)
def test_isolation_page_offers_only_what_the_user_may_submit(isolated, as_persona, persona, offered):
    client = as_persona(persona)
    iso = isolated.isolation
    page = client.get(reverse("returnees:isolation_detail", args=[iso.pk])).content.decode()
    shown = {name for name, marker in CONTROLS.items() if marker in page}
    assert shown == offered
    # Every control not offered is refused by the view too (404), and nothing changes.
    for action in set(CONTROLS) - offered:
        url = reverse("returnees:isolation_action", args=[iso.pk, action])
        data = {"signoff_role": "committee", "new_end_date": "2099-01-01", "temperature": "36.5"}
        assert client.post(url, data).status_code == 404
    iso.refresh_from_db()
    assert iso.status == "active"


def test_referral_outcome_form_only_for_writers(isolated, as_persona):
    from fangkong.returnees import services

    services.submit_report(actor=None, isolation=isolated.isolation, temperature="38.0")
    url = reverse("returnees:isolation_detail", args=[isolated.isolation.pk])
    assert "记录结果" in as_persona("staff_a").get(url).content.decode()
    assert "记录结果" not in as_persona("auditor").get(url).content.decode()


@pytest.mark.parametrize("page", ["declaration_detail", "isolation_detail"])
def test_phone_reveal_on_returnee_pages(isolated, world, as_persona, page):
    from fangkong.core import crypto

    decl = isolated.declaration
    pk = decl.pk if page == "declaration_detail" else isolated.isolation.pk
    url = reverse(f"returnees:{page}", args=[pk])
    reveal = reverse("reveal", args=["returnees.declaration", decl.pk, "phone"])
    # HQ holds the permission: the button is there and answers the plaintext, audited.
    body = as_persona("hq").get(url).content.decode()
    assert reveal in body and "查看明文" in body
    before = AuditEvent.objects.filter(action="reveal").count()
    answer = as_persona("hq").post(reveal)
    assert answer.status_code == 200 and crypto.decrypt(decl.phone_enc) in answer.content.decode()
    assert AuditEvent.objects.filter(action="reveal").count() == before + 1
    # Staff without the permission: no button, and the reveal is refused.
    body_a = as_persona("staff_a").get(url).content.decode()
    assert reveal not in body_a and decl.phone_masked in body_a
    assert as_persona("staff_a").post(reveal).status_code == 403
    # Out of scope: 404, as for a missing record.
    world.staff_b.may_reveal_personal_data = True
    world.staff_b.save()
    assert as_persona("staff_b").post(reveal).status_code == 404
