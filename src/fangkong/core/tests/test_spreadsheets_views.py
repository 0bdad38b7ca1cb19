"""The /io/ pages for every persona: allowed, 404 or redirect to login; upload → preview → commit flow."""

from __future__ import annotations

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from fangkong.core.models import AuditEvent
from fangkong.core.testing import make_id_number, make_phone
from fangkong.registry.models import Resident

HEADERS = ["居民区", "小区", "楼号", "室号", "姓名", "证件号码", "手机号码"]
SLUGS = ["households", "organizations", "cadres", "volunteers"]

# persona -> slugs the persona may use (others: 404)
ALLOWED = {
    "hq": set(SLUGS),
    "staff_a": {"households", "organizations", "volunteers"},
    "staff_b": {"households", "organizations", "volunteers"},
    "cadre": set(),
    "org_contact": set(),
}


@pytest.fixture(autouse=True)
def _uploads(tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        yield


def upload(rows: list[list], headers: list[str] = HEADERS, name: str = "居民.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def good_rows(hood: str, n: int = 2, seed: int = 1) -> list[list]:
    rng = random.Random(seed)
    return [
        [hood, "安汾小区", "3号", str(100 + i), "张三", make_id_number(rng), make_phone(rng)]
        for i in range(n)
    ]


@pytest.mark.parametrize("persona", ["hq", "staff_a", "staff_b", "cadre", "org_contact", "anonymous"])
@pytest.mark.parametrize("slug", SLUGS)
def test_persona_matrix_for_format_pages(as_persona, persona, slug):
    client = as_persona(persona)
    for url in (f"/io/{slug}/import/", f"/io/{slug}/export.xlsx", f"/io/{slug}/template.xlsx"):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif slug in ALLOWED[persona]:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, url


@pytest.mark.parametrize("persona", ["hq", "staff_a", "staff_b", "cadre", "org_contact", "anonymous"])
def test_persona_matrix_for_index(as_persona, persona):
    response = as_persona(persona).get("/io/")
    if persona == "anonymous":
        assert response.status_code == 302
    elif ALLOWED[persona]:
        assert response.status_code == 200
        assert "住户与居民" in response.content.decode()
    else:
        assert response.status_code == 404


def test_unknown_format_is_404(as_persona):
    assert as_persona("hq").get("/io/nothing/import/").status_code == 404


def test_template_has_headers_example_and_notes(as_persona):
    response = as_persona("hq").get("/io/households/template.xlsx")
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    sheet = wb.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["编号", "居民区", "小区", "楼号", "室号"]
    assert sheet.max_row == 2
    notes = wb["填写说明"]
    assert [c.value for c in notes[1]] == ["列名", "必填", "说明"]
    assert any(row[0].value == "证件号码" and row[1].value == "是" for row in notes.iter_rows(min_row=2))


def test_export_is_audited_and_scoped(as_persona, world):
    response = as_persona("staff_a").get("/io/households/export.xlsx")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    names = [row[5].value for row in sheet.iter_rows(min_row=2)]
    assert names == [world.resident_a.name]
    ids = [row[7].value for row in sheet.iter_rows(min_row=2)]
    assert "*" in ids[0]  # staff have no reveal permission: masked
    event = AuditEvent.objects.get(action="export")
    assert event.changes["rows"] == 1 and event.changes["plaintext"] is False


def test_upload_preview_commit_done_and_double_submit(as_persona, world):
    client = as_persona("staff_a")
    response = client.post("/io/households/import/", {"file": upload(good_rows(world.hood_a.name, 3))})
    assert response.status_code == 302
    preview_url = response["Location"]
    before = Resident.objects.count()
    page = client.get(preview_url)
    assert page.status_code == 200 and "确认导入" in page.content.decode()
    assert Resident.objects.count() == before
    commit_url = preview_url + "commit/"
    first = client.post(commit_url)
    assert first.status_code == 302 and first["Location"].endswith("/done/")
    assert Resident.objects.count() == before + 3
    second = client.post(commit_url)
    assert second.status_code == 302
    assert Resident.objects.count() == before + 3
    assert AuditEvent.objects.filter(action="import").count() == 1
    done = client.get(first["Location"])
    assert done.status_code == 200 and "3" in done.content.decode()
    # the token belongs to staff_a: another user gets 404
    assert as_persona("staff_b").get(preview_url.replace("/households/", "/households/")).status_code == 404
    assert as_persona("staff_b").post(commit_url).status_code == 404


def test_preview_shows_every_bad_row(as_persona, world):
    client = as_persona("staff_a")
    rows = good_rows(world.hood_a.name, 3)
    rows[1][5] = rows[1][5][:-1] + ("0" if rows[1][5][-1] != "0" else "1")
    rows[2][0] = world.hood_b.name
    response = client.post("/io/households/import/", {"file": upload(rows)}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "校验位" in html and "无权" in html
    assert 'id="commit"' not in html
    commit = client.post(response.redirect_chain[-1][0] + "commit/")
    assert commit.status_code == 200 and "导入被拒绝" in commit.content.decode()
    assert not AuditEvent.objects.filter(action="import").exists()


@pytest.mark.parametrize(
    ("content", "name", "needle"),
    [
        (b"hello", "a.xlsx", "不是有效的 xlsx"),
        (b"hello", "a.csv", ".xlsx"),
    ],
)
def test_broken_uploads_get_a_clear_error(as_persona, content, name, needle):
    client = as_persona("hq")
    response = client.post("/io/households/import/", {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert response.status_code == 200
    assert needle in response.content.decode()


def test_wrong_headers_get_a_clear_error(as_persona):
    response = as_persona("hq").post(
        "/io/households/import/", {"file": upload([["x", "y"]], headers=["甲", "乙"])}, follow=True
    )
    assert response.status_code == 200
    assert "缺少必填列" in response.content.decode()


def test_bad_token_is_404(as_persona):
    client = as_persona("hq")
    assert client.get("/io/households/import/../../etc/").status_code == 404
    assert client.get("/io/households/import/" + "a" * 32 + "/").status_code == 404
    assert client.post("/io/households/import/" + "a" * 32 + "/commit/").status_code == 404


@pytest.mark.parametrize("persona", ["hq", "staff_b", "cadre", "org_contact", "anonymous"])
def test_upload_pages_of_another_user(as_persona, world, persona):
    """A token is bound to its uploader: everyone else gets 404 (anonymous: login)."""
    response = as_persona("staff_a").post(
        "/io/households/import/", {"file": upload(good_rows(world.hood_a.name))}
    )
    preview_url = response["Location"]
    client = as_persona(persona)
    for method, url in (
        ("get", preview_url),
        ("post", preview_url + "commit/"),
        ("get", preview_url + "done/"),
    ):
        answer = getattr(client, method)(url)
        if persona == "anonymous":
            assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
        else:
            assert answer.status_code == 404
    assert as_persona("staff_a").get(preview_url).status_code == 200
