"""QR codes (segno) for vouchers, building check-in posters and venue posters."""

from __future__ import annotations

import io

import segno


def qr_svg_inline(data: str, *, scale: int = 8, border: int = 2) -> str:
    """An <svg> element to embed in an HTML page."""
    return segno.make(data, error="m").svg_inline(scale=scale, border=border, omitsize=scale == 1)


def qr_svg_document(data: str, *, scale: int = 8, border: int = 2) -> str:
    """A standalone SVG document (with its namespace), to serve as image/svg+xml."""
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="svg", scale=scale, border=border, xmldecl=True, svgns=True)
    return buf.getvalue().decode()
