"""`fangkong rotate-keys`: every ciphertext moves to the new key, plaintexts and hashes stay the same."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from fangkong.core import crypto, keycheck
from fangkong.core.models import AuditEvent, KeyFingerprint
from fangkong.core.purge import personal_models
from fangkong.project import demo

pytestmark = pytest.mark.django_db

OLD = "t1:dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDAwMDA="


def _state() -> dict[tuple[str, int, str], tuple[str, str, str, str]]:
    """(model, pk, field) -> (key id, plaintext, hash, masked) for every personal value in the database."""
    state = {}
    for model, fields in personal_models():
        columns = [c for name in fields for c in (f"{name}_enc", f"{name}_hash", f"{name}_masked")]
        for pk, *values in model._base_manager.values_list("pk", *columns):
            for i, name in enumerate(fields):
                enc, digest, masked = values[3 * i : 3 * i + 3]
                if enc:
                    state[(model._meta.label, pk, name)] = (
                        crypto.key_id_of(enc),
                        crypto.decrypt(enc),
                        digest,
                        masked,
                    )
    return state


@pytest.fixture
def populated(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_DATA_KEYS = [OLD]
    demo.build_demo(scale="tiny", households=60, residents=150, run_apps=False)
    return None


def _secrets_file(tmp_path, keys):
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"secret_key": "s" * 60, "data_keys": keys, "hash_key": "test-hash-key"}))
    return path


def test_rotation_with_secrets_file_then_drop_old(populated, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("FANGKONG_DATA_KEY", raising=False)
    path = _secrets_file(tmp_path, [OLD])
    before = _state()
    assert len(before) > 300 and {v[0] for v in before.values()} == {"t1"}

    new = f"k7:{crypto.generate_key()}"
    out = io.StringIO()
    call_command("rotate_keys", key=new, stdout=out)
    assert json.loads(path.read_text())["data_keys"] == [new, OLD]  # old key still listed
    after = _state()
    assert after.keys() == before.keys()
    for where, (key_id, plain, digest, masked) in after.items():
        assert key_id == "k7"
        assert (plain, digest, masked) == before[where][1:]
    assert f"{sum(1 for _ in after):,}" in out.getvalue()

    # step 2: drop the old key; data stays readable with the new key alone
    call_command("rotate_keys", drop_old=True, stdout=io.StringIO())
    assert json.loads(path.read_text())["data_keys"] == [new]
    assert settings.FANGKONG_DATA_KEYS == [new]
    ring_without_old = crypto._keyring((new,), settings.FANGKONG_HASH_KEY)
    for (label, pk, name), (_k, plain, _d, _m) in list(after.items())[:50]:
        from django.apps import apps

        token = getattr(apps.get_model(label)._base_manager.get(pk=pk), f"{name}_enc")
        assert crypto.decrypt(token, ring=ring_without_old) == plain

    # the database records the new key's fingerprint and forgets the dropped one: a start with the new key
    # alone passes the key check, one with the old key alone is refused
    assert set(KeyFingerprint.objects.filter(kind="data").values_list("key_id", flat=True)) == {"k7"}
    assert keycheck.problems() == []
    assert keycheck.problems([OLD], settings.FANGKONG_HASH_KEY)

    events = AuditEvent.objects.filter(object_type="core.datakey")
    assert events.count() == 2
    for event in events:
        assert new.partition(":")[2] not in json.dumps(event.changes)  # never the key material


def test_rotation_from_environment_prints_the_new_value(populated, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FANGKONG_DATA_KEY", OLD)
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)  # a key is generated
    text = out.getvalue()
    line = next(ln for ln in text.splitlines() if ln.startswith("FANGKONG_DATA_KEY="))
    keys = line.partition("=")[2].split(",")
    assert keys[0].startswith("k1:") and keys[1] == OLD
    assert settings.FANGKONG_DATA_KEYS == keys
    assert {v[0] for v in _state().values()} == {"k1"}
    assert not (tmp_path / "secrets.json").exists()


def test_rerun_with_the_same_key_resumes_and_changes_nothing_more(populated, settings, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATA_KEY", OLD)
    new = f"k3:{crypto.generate_key()}"
    call_command("rotate_keys", key=new, stdout=io.StringIO())
    tokens = {k: v for k, v in _state().items()}
    out = io.StringIO()
    call_command("rotate_keys", key=new, stdout=out)
    assert "重新加密 0 个值" in out.getvalue()
    assert _state() == tokens


def test_reencrypt_only_moves_values_left_under_an_old_key(populated, settings, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATA_KEY", OLD)
    new = f"k4:{crypto.generate_key()}"
    settings.FANGKONG_DATA_KEYS = [new, OLD]  # deployed first, as the docs advise
    call_command("rotate_keys", reencrypt_only=True, stdout=io.StringIO())
    assert {v[0] for v in _state().values()} == {"k4"}


def test_bad_or_conflicting_keys_are_refused(populated, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATA_KEY", OLD)
    with pytest.raises(CommandError):
        call_command("rotate_keys", key="k5:not-base64!!", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("rotate_keys", key=f"t1:{crypto.generate_key()}", stdout=io.StringIO())
    assert {v[0] for v in _state().values()} == {"t1"}


def test_ciphertext_under_an_unknown_key_stops_the_rotation(populated, settings, monkeypatch):
    from fangkong.registry.models import Resident

    monkeypatch.setenv("FANGKONG_DATA_KEY", OLD)
    stray = f"zz:{crypto.generate_key()}"
    settings.FANGKONG_DATA_KEYS = [stray]
    resident = Resident.objects.first()
    resident_token = crypto.encrypt("13800000000")
    Resident.objects.filter(pk=resident.pk).update(phone_enc=resident_token)
    settings.FANGKONG_DATA_KEYS = [OLD]
    with pytest.raises(CommandError):
        call_command("rotate_keys", stdout=io.StringIO())
    resident.refresh_from_db()
    assert resident.phone_enc == resident_token
    # the transaction rolled back: nothing moved to the new key
    assert {crypto.key_id_of(t) for t in Resident.objects.values_list("id_number_enc", flat=True)} == {"t1"}
