"""Import/export links on the coverage board and the teams page.

The pages show "导入" / "导出" for the pairing and team-member spreadsheet formats only to users the format
itself lets in (``SpreadsheetFormat.allowed``): the links never lead to the 404 the io pages give others.
The templates read ``io_format`` (the format, or nothing) from the page context.
"""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from fangkong.core.choices import Domain, Role
from fangkong.core.testing import make_user
from fangkong.pairing.imports import PAIRINGS, TEAM_MEMBERS

pytestmark = pytest.mark.django_db

PAGES = [
    ("pairing:board", "pairing/board.html", PAIRINGS),
    ("pairing:teams", "pairing/teams.html", TEAM_MEMBERS),
]


def _io_hrefs(html: str, slug: str) -> set[str]:
    return set(re.findall(rf'href="(/io/{re.escape(slug)}/[^"]*)"', html))


def _rendered(client, url_name, template, fmt, user):
    """The page as its view renders it, with ``io_format`` decided by the format's own rule."""
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    page = next(i for i, t in enumerate(response.templates) if t.name == template)
    context = response.context[page].flatten()
    context["io_format"] = fmt if fmt.allowed(user) else None
    return render_to_string(template, context, request=response.wsgi_request)


@pytest.fixture
def pairing_office(world):
    return make_user("office_pairing", Role.OFFICE, subdistrict=world.sub, domains=[Domain.PAIRING])


@pytest.mark.parametrize(("url_name", "template", "fmt"), PAGES)
def test_hq_sees_links_that_work(world, as_persona, url_name, template, fmt):
    client = as_persona("hq")
    html = _rendered(client, url_name, template, fmt, world.hq)
    hrefs = _io_hrefs(html, fmt.slug)
    assert hrefs == {f"/io/{fmt.slug}/import/", f"/io/{fmt.slug}/export.xlsx"}
    assert "导入" in html and "导出" in html
    for href in hrefs:
        assert client.get(href).status_code == 200


@pytest.mark.parametrize(("url_name", "template", "fmt"), PAGES)
def test_pairing_office_sees_links(client, pairing_office, url_name, template, fmt):
    client.force_login(pairing_office)
    html = _rendered(client, url_name, template, fmt, pairing_office)
    for href in _io_hrefs(html, fmt.slug) or {"missing"}:
        assert client.get(href).status_code == 200


@pytest.mark.parametrize(("url_name", "template", "fmt"), PAGES)
@pytest.mark.parametrize("persona", ["cadre", "office"])
def test_others_see_no_links(world, as_persona, persona, url_name, template, fmt):
    client = as_persona(persona)
    user = getattr(world, persona)
    if client.get(reverse(url_name)).status_code == 404:
        return  # the page itself is closed to this persona
    html = _rendered(client, url_name, template, fmt, user)
    assert _io_hrefs(html, fmt.slug) == set()
    # the links would have led nowhere: the io pages answer 404 to this persona
    for suffix in ("import/", "export.xlsx", "template.xlsx"):
        assert client.get(f"/io/{fmt.slug}/{suffix}").status_code == 404


@pytest.mark.parametrize(("url_name", "template", "fmt"), PAGES)
def test_views_pass_io_format(world, as_persona, url_name, template, fmt):
    hq = as_persona("hq").get(reverse(url_name))
    cadre = as_persona("cadre").get(reverse(url_name))
    assert _io_hrefs(hq.content.decode(), fmt.slug)
    assert cadre.status_code == 404 or not _io_hrefs(cadre.content.decode(), fmt.slug)
