"""QR codes (segno) for everything the platform prints: vouchers, check-in, booking, declaration and venue
posters, report and calendar links.

Every code is a full QR code (``micro=False``): segno would otherwise pick Micro QR for short payloads, which
phone scanners (WeChat's among them) cannot read. ``fangkong.core.testing.decode_qr`` decodes what these
helpers draw, so a test can check a page's code carries the link it should.
"""

from __future__ import annotations

import io

import segno


def make_qr(data: str) -> segno.QRCode:
    """The one place a QR code is made: full QR (never Micro QR), error correction level M."""
    return segno.make(data, error="m", micro=False)


def qr_svg_inline(data: str, *, scale: int = 8, border: int = 2) -> str:
    """An <svg> element to embed in an HTML page."""
    return make_qr(data).svg_inline(scale=scale, border=border, omitsize=scale == 1)


def qr_svg_document(data: str, *, scale: int = 8, border: int = 2) -> str:
    """A standalone SVG document (with its namespace), to serve as image/svg+xml."""
    buf = io.BytesIO()
    make_qr(data).save(buf, kind="svg", scale=scale, border=border, xmldecl=True, svgns=True)
    return buf.getvalue().decode()


def qr_png(data: str, *, scale: int = 8, border: int = 4) -> bytes:
    """The same code as a PNG image (for downloads and tests)."""
    buf = io.BytesIO()
    make_qr(data).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()
