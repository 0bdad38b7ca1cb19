"""Personal data: encrypted at rest, hashed for lookup, masked on pages; reveals are a permission and audited."""

import pytest
from django.db import connection
from django.urls import reverse

from fangkong.core import crypto, personal
from fangkong.core.models import AuditEvent
from fangkong.registry.models import Resident

pytestmark = pytest.mark.django_db


def _all_text(cursor) -> str:
    chunks = []
    for table in connection.introspection.table_names(cursor):
        cursor.execute(f'SELECT * FROM "{table}"')
        for row in cursor.fetchall():
            chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


def test_no_plaintext_id_or_phone_in_the_database(world):
    plains = []
    for r in Resident.objects.all():
        plains.append(crypto.decrypt(r.id_number_enc))
        plains.append(crypto.decrypt(r.phone_enc))
    assert len(plains) == 6 and all(plains)
    with connection.cursor() as cursor:
        text = _all_text(cursor)
    for value in plains:
        assert value not in text


def test_masks():
    assert personal.mask("id_number", "310109199001011234") == "310***********1234"
    assert personal.mask("phone", "13812341234") == "138****1234"


def test_encrypt_round_trip_and_random_nonce():
    a = crypto.encrypt("13812341234")
    b = crypto.encrypt("13812341234")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13812341234"


def test_lookup_hash_is_keyed_and_kind_bound():
    assert crypto.lookup_hash("phone", "13812341234") == crypto.lookup_hash("phone", "13812341234")
    assert crypto.lookup_hash("phone", "13812341234") != crypto.lookup_hash("id_number", "13812341234")
    import hashlib

    assert crypto.lookup_hash("phone", "13812341234") != hashlib.sha256(b"phone:13812341234").hexdigest()


def test_reveal_needs_the_permission_and_is_audited(world, as_persona):
    url = reverse("reveal", args=["registry.resident", world.resident_a.pk, "id_number"])
    plain = crypto.decrypt(world.resident_a.id_number_enc)
    response = as_persona("hq").post(url)
    assert response.status_code == 200 and plain in response.content.decode()
    assert (
        AuditEvent.objects.filter(action="reveal", object_id=str(world.resident_a.pk), actor=world.hq).count()
        == 1
    )
    # staff A can see the record but lacks the reveal permission
    assert as_persona("staff_a").post(url).status_code == 403
    # staff B cannot even see it
    assert as_persona("staff_b").post(url).status_code == 404
    assert as_persona("anonymous").post(url).status_code == 302
    reveals = list(AuditEvent.objects.filter(action="reveal"))
    assert len([e for e in reveals if not e.changes.get("denied")]) == 1
    # the two refused attempts (no permission, out of scope) are audited too
    assert sorted(e.actor_id for e in reveals if e.changes.get("denied")) == sorted(
        [world.staff_a.pk, world.staff_b.pk]
    )


def test_reveal_rejects_unknown_models_and_fields(world, as_persona):
    client = as_persona("hq")
    assert (
        client.post(reverse("reveal", args=["registry.resident", world.resident_a.pk, "name"])).status_code
        == 404
    )
    assert client.post(reverse("reveal", args=["nope.model", 1, "phone"])).status_code == 404
    assert (
        client.get(reverse("reveal", args=["registry.resident", world.resident_a.pk, "phone"])).status_code
        == 405
    )
