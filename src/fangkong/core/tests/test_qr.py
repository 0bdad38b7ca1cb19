"""Every QR code the platform draws is a full QR code that decodes to what it should carry, and every public
link is built from FANGKONG_PUBLIC_BASE_URL."""

from __future__ import annotations

import os

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.links import default_public_base_url, public_url, set_public_base_url_for
from fangkong.core.qr import qr_png, qr_svg_document, qr_svg_inline
from fangkong.core.testing import decode_qr_image, decode_qr_in_html, decode_qr_svg

SHORT = st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(SHORT)
def test_short_payloads_are_full_qr_codes(data):
    # segno alone picks Micro QR (unreadable by phone scanners) for payloads this short
    assert not segno.make(data, error="m", micro=False).is_micro
    assert decode_qr_svg(qr_svg_inline(data, scale=1)) == data
    assert decode_qr_image(qr_png(data)) == data


def test_each_helper_draws_a_decodable_full_qr():
    url = "http://127.0.0.1:8108/pairing/checkin/b/7/"
    assert decode_qr_svg(qr_svg_document(url)) == url
    assert decode_qr_in_html(f"<p>海报</p>{qr_svg_inline(url, scale=10)}") == url


def test_decoder_refuses_micro_qr():
    micro = segno.make("MV-1", error="m").svg_inline(scale=1, omitsize=True)
    assert segno.make("MV-1", error="m").is_micro
    with pytest.raises(AssertionError, match="not a full QR code"):
        decode_qr_svg(micro)


def test_public_url_uses_the_one_setting(settings):
    settings.FANGKONG_PUBLIC_BASE_URL = "https://fk.example.org/"
    assert public_url("/masks/") == "https://fk.example.org/masks/"
    assert public_url("returnees:checkin", "V123").startswith("https://fk.example.org/")
    assert public_url("returnees:checkin", "V123").endswith("/V123/")
    with pytest.raises(TypeError):
        public_url("/masks/", 1)


def test_serving_port_sets_the_base_unless_the_operator_did(settings, monkeypatch):
    settings.FANGKONG_PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # the fixture restores what the code sets
    monkeypatch.delenv("FANGKONG_PUBLIC_BASE_URL", raising=False)
    assert default_public_base_url("0.0.0.0", 8108) == "http://127.0.0.1:8108"
    assert set_public_base_url_for("127.0.0.1", 8108) == "http://127.0.0.1:8108"
    assert settings.FANGKONG_PUBLIC_BASE_URL == "http://127.0.0.1:8108"
    assert os.environ["FANGKONG_PUBLIC_BASE_URL"] == "http://127.0.0.1:8108"  # gunicorn inherits it
    monkeypatch.setenv("FANGKONG_PUBLIC_BASE_URL", "https://fk.example.org")
    settings.FANGKONG_PUBLIC_BASE_URL = "https://fk.example.org"
    assert set_public_base_url_for("127.0.0.1", 8108) == "https://fk.example.org"


@pytest.mark.django_db
def test_demo_port_sets_the_public_base(settings, monkeypatch, tmp_path):
    """`fangkong demo --port N` serves with QR codes pointing at port N."""
    from django.core.management import call_command

    from fangkong.project.management.commands import demo

    settings.FANGKONG_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    monkeypatch.delenv("FANGKONG_PUBLIC_BASE_URL", raising=False)
    seen = {}

    def fake_call(name, *args, **kwargs):
        if name == "runserver":
            seen["base"] = settings.FANGKONG_PUBLIC_BASE_URL
            seen["addr"] = args[0]

    monkeypatch.setattr(demo, "call_command", fake_call)
    monkeypatch.setattr(demo.demo, "demo_exists", lambda: True)
    monkeypatch.setattr(demo.demo, "demo_account_rows", lambda: [])
    monkeypatch.setattr(demo, "ensure_secrets", lambda: False)
    monkeypatch.setattr(demo, "verify_keys", lambda: None)  # no database here
    settings.DEBUG = True
    settings.FANGKONG_WORKER = False  # no job runner beside this fake server
    call_command("demo", "--port", "8123")
    assert seen == {"base": "http://127.0.0.1:8123", "addr": "127.0.0.1:8123"}
