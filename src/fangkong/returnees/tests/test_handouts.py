"""Hand-outs for residents: A4 QR posters for the public declaration page and for venues, the public page
linked from the staff pages, the personal report link with a QR code and a copy button; no inline scripts."""

import re

import pytest
from django.urls import reverse

from fangkong.core.testing import decode_qr_in_html
from fangkong.returnees import services

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8123"


def _no_inline_script(body: str) -> None:
    """No inline script in what the returnee templates draw (the page's <main>, or a whole poster)."""
    if "<main" in body:
        body = body[body.index("<main") : body.index("</main>")]
    assert "onclick" not in body and "onchange" not in body
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag, tag


def test_declaration_poster_per_neighborhood(world, as_persona, client, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = BASE
    url = reverse("returnees:declaration_poster")
    body = as_persona("staff_a").get(url).content.decode()
    expected = BASE + reverse("returnees:public_declare", args=[world.sub.pk]) + f"?n={world.hood_a.pk}"
    assert decode_qr_in_html(body) == expected
    assert world.hood_a.name in body and "返沪人员健康申报" in body and "returnees.css" in body
    _no_inline_script(body)
    # HQ picks among the neighborhoods it sees.
    hq = as_persona("hq").get(url + f"?hood={world.hood_b.pk}").content.decode()
    assert world.hood_b.name in hq and f"?n={world.hood_b.pk}" in hq
    # Staff cannot pick another neighborhood: they get their own.
    other = as_persona("staff_a").get(url + f"?hood={world.hood_b.pk}").content.decode()
    assert f"?n={world.hood_a.pk}" in other and world.hood_b.name not in other
    # The public page opens on the poster's neighborhood (its compounds are offered).
    public = client.get(expected.removeprefix(BASE)).content.decode()
    assert f'value="{world.hood_a.pk}" selected' in public and world.compound_a.name in public


def test_staff_pages_link_the_public_declaration_page(world, as_persona):
    body = as_persona("staff_a").get(reverse("returnees:declaration_list")).content.decode()
    assert reverse("returnees:public_declare", args=[world.sub.pk]) in body
    assert reverse("returnees:declaration_poster") in body


def test_venue_poster_qr_scales_with_a_viewbox(world, as_persona, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = BASE
    venue = services.ensure_venue(actor=world.hq, organization=world.org_a)
    body = as_persona("hq").get(reverse("returnees:venue_poster", args=[venue.pk])).content.decode()
    svg = re.search(r"<svg\b[^>]*>", body).group(0)
    assert "viewBox=" in svg and "width=" not in svg
    assert decode_qr_in_html(body) == BASE + reverse("returnees:checkin", args=[venue.code])
    assert venue.neighborhood.name in body
    _no_inline_script(body)


def test_personal_link_has_a_qr_code_and_a_copy_button(world, as_persona, make_input, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = BASE
    data = make_input()
    post = {
        "name": "王五",
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "building": world.building_a.pk,
        "room": "301",
        "origin_code": "420100",
        "transport": "rail",
        "transport_number": "G1",
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
    }
    body = (
        as_persona("staff_a").post(reverse("returnees:declaration_new"), post, follow=True).content.decode()
    )
    link = re.search(r'id="personal-link"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="personal-link"', body)
    shown = next(g for g in link.groups() if g)
    assert shown.startswith(BASE + "/returnees/p/r/")
    assert decode_qr_in_html(body) == shown
    assert 'data-copy="personal-link"' in body and "returnees/actions.js" in body
    _no_inline_script(body)


def test_public_first_declaration_shows_link_qr(world, client, make_input, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = BASE
    data = make_input()
    post = {
        "name": "赵六",
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "neighborhood": world.hood_b.pk,
        "compound": world.compound_b.pk,
        "building": world.building_b.pk,
        "room": "1202",
        "origin_code": "420100",
        "transport": "rail",
        "transport_number": "G100",
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
    }
    body = client.post(reverse("returnees:public_declare", args=[world.sub.pk]), post).content.decode()
    href = re.search(r'id="personal-link" href="([^"]+)"', body).group(1)
    assert decode_qr_in_html(body) == href and 'data-copy="personal-link"' in body
    _no_inline_script(body)


def test_declaration_forms_mark_required_fields_and_labels_have_no_ascii_colon(world, client, as_persona):
    public = client.get(reverse("returnees:public_declare", args=[world.sub.pk])).content.decode()
    staff = as_persona("staff_a").get(reverse("returnees:declaration_new")).content.decode()
    for body in (public, staff):
        labels = re.findall(r"<label\b[^>]*>(.*?)</label>", body, flags=re.S)
        assert labels and not any(re.sub(r"<[^>]+>", "", label).strip().endswith(":") for label in labels)
        assert re.search(r'<label for="id_name">[^<]*<span class="req"', body)
        assert re.search(r'<label for="id_id_number">[^<]*<span class="req"', body)
        assert not re.search(r'<label for="id_transport_number">[^<]*<span class="req"', body)


def test_region_names_beside_codes(world, as_persona, make_input, tmp_path):
    from fangkong.core.spreadsheets import get_format
    from fangkong.returnees.models import RiskRule

    RiskRule.objects.create(
        subdistrict=world.sub,
        name="湖北",
        kind="key_area",
        level="yellow",
        action="home_isolation",
        region_prefixes="42,4201",
        effective_from="2020-01-01",
    )
    body = as_persona("hq").get(reverse("returnees:rule_list")).content.decode()
    assert "湖北省（42）" in body and "湖北省武汉市（4201）" in body
    services.declare_return(actor=world.staff_a, data=make_input())
    fmt = get_format("returnees-screening")
    assert fmt.headers.index("来沪前所在地区") == fmt.headers.index("来沪前所在地区代码") + 1
    rows = list(fmt.export_rows(world.hq, fmt.export_queryset(world.hq)))
    assert rows and rows[0][fmt.headers.index("来沪前所在地区")] == "湖北省武汉市"
