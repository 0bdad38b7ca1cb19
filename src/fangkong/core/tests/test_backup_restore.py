"""Keys and backups: a database restored without its keys refuses to start; `fangkong backup` and
`fangkong restore` round-trip the database with its keys file and check that it decrypts."""

from __future__ import annotations

import io
import json
import shutil
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fangkong.core import crypto, keycheck
from fangkong.core.models import KeyFingerprint

TEST_KEYS = ["t1:dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDAwMDA="]
OTHER_KEY = f"t1:{crypto.generate_key()}"  # the same key id, other material: a fresh install's key


def _resident_state(world):
    from fangkong.registry.models import Resident

    resident = Resident.objects.get(pk=world.resident_a.pk)
    return resident.name, crypto.decrypt(resident.id_number_enc), resident.id_number_hash


# --- refusing to start ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_platform_refuses_to_start_on_data_it_has_no_key_for(world, settings):
    keycheck.verify_keys()  # the right keys: fine, and the fingerprints are recorded
    assert set(KeyFingerprint.objects.values_list("kind", "key_id")) == {("data", "t1"), ("hash", "")}

    settings.FANGKONG_DATA_KEYS = [OTHER_KEY]
    settings.FANGKONG_HASH_KEY = "a-new-hash-key"
    with pytest.raises(keycheck.KeysMissing) as refused:
        keycheck.verify_keys()
    message = str(refused.value)
    assert "拒绝启动" in message and "t1" in message and "FANGKONG_HASH_KEY" in message
    assert OTHER_KEY.partition(":")[2] not in message
    with pytest.raises(CommandError, match="拒绝启动"):
        call_command("serve", no_collectstatic=True, stdout=io.StringIO())

    # a key listed under another id: the data's key id is missing
    settings.FANGKONG_DATA_KEYS = [f"k9:{TEST_KEYS[0].partition(':')[2]}"]
    settings.FANGKONG_HASH_KEY = "test-hash-key"
    with pytest.raises(keycheck.KeysMissing, match="t1"):
        keycheck.verify_keys()

    settings.FANGKONG_DATA_KEYS = [OTHER_KEY]
    settings.FANGKONG_ACCEPT_LOST_KEYS = True  # the operator has given the old data up
    keycheck.verify_keys()


@pytest.mark.django_db
def test_data_without_fingerprints_is_still_checked_by_decrypting(world, settings):
    """A database from before fingerprints were recorded: the sample decryption catches the wrong keys."""
    KeyFingerprint.objects.all().delete()
    settings.FANGKONG_DATA_KEYS = [OTHER_KEY]
    with pytest.raises(keycheck.KeysMissing, match="无法用数据密钥 t1 解密"):
        keycheck.verify_keys()
    settings.FANGKONG_DATA_KEYS = TEST_KEYS
    settings.FANGKONG_HASH_KEY = "another-hash-key"
    with pytest.raises(keycheck.KeysMissing, match="查找索引"):
        keycheck.verify_keys()


@pytest.mark.django_db
def test_an_empty_database_takes_the_new_keys(settings):
    settings.FANGKONG_DATA_KEYS = [OTHER_KEY]
    keycheck.verify_keys()
    recorded = KeyFingerprint.objects.get(kind="data").fingerprint
    assert recorded == crypto.key_fingerprints([OTHER_KEY], "x")[("data", "t1")]


# --- backup and restore -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(world, settings, tmp_path):
    from fangkong.registry.models import Resident

    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    settings.VAR_DIR = tmp_path / "var"
    before = _resident_state(world)
    target = tmp_path / "backup"
    out = io.StringIO()
    call_command("backup", output=str(target), stdout=out)

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    keys_file = target / "keys.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert json.loads(keys_file.read_text())["data_keys"] == TEST_KEYS
    database = (target / manifest["database"]).read_bytes()
    assert TEST_KEYS[0].partition(":")[2].encode() not in database  # the copy holds no key
    assert "test-hash-key" not in json.dumps(manifest)

    # what happens after the backup is lost by the restore
    Resident.objects.filter(pk=world.resident_a.pk).update(name="备份之后改的")
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(target), stdout=io.StringIO())

    out = io.StringIO()
    call_command("restore", str(target), force=True, stdout=out)
    assert "均能解密" in out.getvalue()
    assert _resident_state(world) == before
    assert keycheck.problems() == []


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_keys_that_do_not_match_and_changes_nothing(world, settings, tmp_path):
    from fangkong.registry.models import Resident

    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    settings.VAR_DIR = tmp_path / "var"
    target = tmp_path / "backup"
    call_command(
        "backup", output=str(target), keys_output=str(tmp_path / "safe" / "keys.json"), stdout=io.StringIO()
    )
    assert not (target / "keys.json").exists()  # the keys went elsewhere
    Resident.objects.filter(pk=world.resident_a.pk).update(name="保持不变")

    wrong = tmp_path / "wrong-keys.json"
    wrong.write_text(json.dumps({"data_keys": [OTHER_KEY], "hash_key": "test-hash-key"}))
    with pytest.raises(CommandError, match="密钥与备份不符"):
        call_command("restore", str(target), keys=str(wrong), force=True, stdout=io.StringIO())
    assert Resident.objects.get(pk=world.resident_a.pk).name == "保持不变"

    # a fresh install whose configured keys are new: without the backup's keys file the restore refuses
    settings.FANGKONG_DATA_KEYS = [OTHER_KEY]
    with pytest.raises(CommandError, match="t1"):
        call_command("restore", str(target), force=True, stdout=io.StringIO())
    assert Resident.objects.get(pk=world.resident_a.pk).name == "保持不变"

    # with the keys file: restored, and the local install's secrets.json now holds the backup's keys
    out = io.StringIO()
    call_command("restore", str(target), keys=str(tmp_path / "safe" / "keys.json"), force=True, stdout=out)
    assert Resident.objects.get(pk=world.resident_a.pk).name != "保持不变"
    secrets = json.loads((tmp_path / "var" / "secrets.json").read_text())
    assert secrets["data_keys"] == TEST_KEYS and secrets["hash_key"] == "test-hash-key"


def test_restore_needs_a_backup_directory(tmp_path, db):
    with pytest.raises(CommandError, match="不是备份目录"):
        call_command("restore", str(tmp_path), force=True, stdout=io.StringIO())
