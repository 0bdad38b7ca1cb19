"""API check-in with a photo (multipart): resized by the service, scoped like the web, bad files refused."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fangkong.pairing import services
from fangkong.pairing.models import CheckInRound

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(pw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = pw.w
    t = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒")
    services.apply_template(actor=w.hq, template=t)
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=dt.date.today())
    pw.round_a = CheckInRound.objects.filter(building=w.building_a).first()
    return pw


def _photo(width=3000, height=2000, fmt="PNG", name="photo.png"):
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


def _url(rnd):
    return f"/api/v1/pairing/rounds/{rnd.pk}/checkin/photo"


def test_photo_checkin_resized(rounds, as_persona):
    resp = as_persona("staff_a").post(_url(rounds.round_a), {"note": "已消毒", "photo": _photo()})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["created"] is True and body["round"]["status"] == "done"
    assert body["round"]["photo_url"].endswith(".jpg")
    rnd = CheckInRound.objects.get(pk=rounds.round_a.pk)
    assert rnd.note == "已消毒" and rnd.done_by == rounds.w.staff_a
    with rnd.photo.open("rb") as fh:
        image = Image.open(fh)
        image.load()
    assert image.format == "JPEG" and max(image.size) == services.MAX_PHOTO_SIDE
    assert image.size == (1280, 853)
    # a second check-in is idempotent: no new photo, nothing changed
    again = as_persona("staff_a").post(_url(rounds.round_a), {"note": "x", "photo": _photo(100, 100)})
    assert again.status_code == 200 and again.json()["created"] is False
    assert CheckInRound.objects.get(pk=rnd.pk).photo.name == rnd.photo.name


def test_photo_is_optional(rounds, as_persona):
    resp = as_persona("staff_a").post(_url(rounds.round_a), {"note": "无照片"})
    assert resp.status_code == 200 and resp.json()["created"] is True
    assert not CheckInRound.objects.get(pk=rounds.round_a.pk).photo


def test_not_an_image_refused_and_nothing_written(rounds, as_persona):
    bad = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    resp = as_persona("staff_a").post(_url(rounds.round_a), {"photo": bad})
    assert resp.status_code == 422
    assert "照片无法识别" in resp.json()["detail"][0]
    rnd = CheckInRound.objects.get(pk=rounds.round_a.pk)
    assert rnd.status == "pending" and not rnd.photo


def test_photo_checkin_personas(rounds, as_persona):
    url = _url(rounds.round_a)
    for persona in ("staff_b", "org_contact"):
        assert as_persona(persona).post(url, {"photo": _photo(10, 10)}).status_code == 404, persona
    # the cadre's scope covers neighborhood A, but they are not in charge of the building
    assert as_persona("cadre").post(url, {"photo": _photo(10, 10)}).status_code == 403
    assert as_persona("anonymous").post(url, {"photo": _photo(10, 10)}).status_code == 401
    assert CheckInRound.objects.get(pk=rounds.round_a.pk).status == "pending"
    assert as_persona("hq").post(url, {"photo": _photo(10, 10)}).status_code == 200


def test_openapi_documents_multipart(as_persona, world):
    schema = as_persona("hq").get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/pairing/rounds/{round_id}/checkin/photo"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
