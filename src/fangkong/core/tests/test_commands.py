"""The fangkong commands: demo (idempotent, secrets, accounts), serve (gunicorn + WhiteNoise), check --deploy,
purge-personal-data."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fangkong.core import crypto, localsecrets, purge
from fangkong.core.management.commands.serve import gunicorn_argv
from fangkong.core.models import AuditEvent
from fangkong.project import demo
from fangkong.registry.models import Resident, SubDistrict, Volunteer

REPO = Path(__file__).resolve().parents[4]


def _prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A production-like environment for a subprocess: no pytest markers, fresh keys, a private var dir."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser fixtures, and check --deploy rightly refuses it.
    skip = ("PYTEST", "FANGKONG_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        {
            "FANGKONG_VAR_DIR": str(tmp_path),
            "FANGKONG_DEBUG": "0",
            "FANGKONG_SECRET_KEY": crypto.generate_key() + crypto.generate_key(),
            "FANGKONG_DATA_KEY": f"p1:{crypto.generate_key()}",
            "FANGKONG_HASH_KEY": crypto.generate_key(),
        }
    )
    env.update(extra)
    return env


# --- demo -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_no_serve_builds_once_and_keeps_data_on_second_run(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(demo, "DEMO_APPS", ())  # the domain apps' seeds run in the subprocess test below
    out = io.StringIO()
    call_command("demo", no_serve=True, scale="tiny", households=60, residents=150, stdout=out)
    first = out.getvalue()
    secrets = json.loads((tmp_path / "var" / "secrets.json").read_text())
    assert secrets["data_keys"][0].startswith("k1:") and secrets["hash_key"]
    assert len(secrets["secret_key"]) >= 50
    assert oct((tmp_path / "var" / "secrets.json").stat().st_mode & 0o777) == "0o600"
    assert "角色" in first and "用户名" in first and "密码" in first
    for account in demo.DEMO_ACCOUNTS:
        assert account.username in first
    assert demo.DEMO_PASSWORD in first
    assert SubDistrict.objects.count() == 1
    residents = Resident.objects.count()
    assert residents == 150
    keys_before = secrets

    out = io.StringIO()
    call_command("demo", no_serve=True, scale="tiny", households=60, residents=150, stdout=out)
    second = out.getvalue()
    assert "保留现有数据" in second
    assert "zhihuibu" in second
    assert SubDistrict.objects.count() == 1
    assert Resident.objects.count() == residents
    assert json.loads((tmp_path / "var" / "secrets.json").read_text()) == keys_before


def test_ensure_secrets_fills_only_what_settings_lack(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.SECRET_KEY = localsecrets.INSECURE_DEV_KEY
    settings.FANGKONG_DATA_KEYS = []
    settings.FANGKONG_HASH_KEY = ""
    for name in ("FANGKONG_SECRET_KEY", "FANGKONG_DATA_KEY", "FANGKONG_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert localsecrets.ensure_secrets() is True
    data = json.loads((tmp_path / "secrets.json").read_text())
    assert settings.SECRET_KEY == data["secret_key"]
    assert settings.FANGKONG_DATA_KEYS == data["data_keys"]
    assert settings.FANGKONG_HASH_KEY == data["hash_key"]
    assert crypto.decrypt(crypto.encrypt("x")) == "x"
    # the file is written once; an environment value wins over it
    settings.SECRET_KEY = "from-the-environment"
    monkeypatch.setenv("FANGKONG_SECRET_KEY", "from-the-environment")
    assert localsecrets.ensure_secrets() is False
    assert settings.SECRET_KEY == "from-the-environment"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30.0, *, alive: subprocess.Popen | None = None) -> tuple[int, bytes]:
    """GET ``url``, retrying until it answers. With ``alive``, keep waiting as long as that process runs (a
    loaded machine builds the demo slowly; a crash ends the wait at once), up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            # a slow first answer (a loaded machine warming the URL conf and templates) is waited for, not
            # abandoned and asked again behind itself
            with urllib.request.urlopen(
                url, timeout=max(5.0, min(30.0, deadline - time.monotonic()))
            ) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline or (alive is not None and alive.poll() is not None):
                raise
            time.sleep(0.3)


class _Output:
    """Reads a subprocess's output on a thread, line by line, and signals once every ready line appeared."""

    def __init__(self, proc: subprocess.Popen, ready: tuple[str, ...]) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._waiting = set(ready)
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            self._waiting = {needle for needle in self._waiting if needle not in line}
            if not self._waiting:
                self.ready.set()

    def wait_ready(self, proc: subprocess.Popen) -> None:
        """Wait until the ready lines are printed; fail at once if the process ends first. No fixed wait: a
        loaded machine only makes the demo slower to build, and the build prints as it goes."""
        while not self.ready.wait(1.0):
            if proc.poll() is not None:
                self._thread.join(5)
                raise AssertionError("the process ended before it was ready:\n" + self.text())

    def text(self) -> str:
        return "".join(self.lines)


def test_demo_command_serves_the_login_page(tmp_path):
    port = _free_port()
    env = _prod_env(tmp_path, FANGKONG_DEBUG="1", PYTHONUNBUFFERED="1")
    for name in ("FANGKONG_SECRET_KEY", "FANGKONG_DATA_KEY", "FANGKONG_HASH_KEY"):
        env.pop(name)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fangkong",
            "demo",
            "--scale",
            "tiny",
            "--households",
            "40",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Django's server prints its line once it listens (the demo is built by then), the job runner its own
    # once it runs.
    output = _Output(proc, ready=("Quit the server with", "fangkong worker:"))
    try:
        output.wait_ready(proc)
        status, body = _get(f"http://127.0.0.1:{port}/accounts/login/", alive=proc)
        assert status == 200
        assert "登录".encode() in body
        status, _body = _get(f"http://127.0.0.1:{port}/static/css/fangkong.css")
        assert status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        output._thread.join(5)
    text = output.text()
    assert "zhihuibu" in text and "Jiangwan-2020" in text
    assert "fangkong worker" in text  # the job runner started beside the server
    assert (tmp_path / "secrets.json").exists()


# --- serve ------------------------------------------------------------------------------------------------


def test_gunicorn_argv_uses_options():
    argv = gunicorn_argv(host="0.0.0.0", port=8123, workers=3, threads=2)
    assert argv[1:4] == ["-m", "gunicorn", "fangkong.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:8123"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--threads") + 1] == "2"


def test_serve_runs_gunicorn_with_whitenoise_static(tmp_path):
    port = _free_port()
    env = _prod_env(tmp_path, FANGKONG_SECURE_COOKIES="0", FANGKONG_WORKERS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fangkong", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status, body = _get(f"http://127.0.0.1:{port}/accounts/login/", timeout=120, alive=proc)
        assert status == 200 and "登录".encode() in body
        status, css = _get(f"http://127.0.0.1:{port}/static/css/fangkong.css", alive=proc)
        assert status == 200 and len(css) > 100
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    assert "gunicorn" in output.lower() or "Booting worker" in output
    assert (tmp_path / "static" / "css" / "fangkong.css").exists()


def test_serve_refuses_without_keys(settings):
    settings.FANGKONG_DATA_KEYS = []
    with pytest.raises(CommandError):
        call_command("serve", no_collectstatic=True)


# --- check --deploy ---------------------------------------------------------------------------------------


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fangkong", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    env = _prod_env(tmp_path, FANGKONG_HSTS_SECONDS="31536000", FANGKONG_SSL_REDIRECT="1")
    result = _check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_missing_hardening(tmp_path):
    env = _prod_env(tmp_path)  # no HSTS, no SSL redirect
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


# --- purge-personal-data ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_purge_is_a_dry_run_by_default_then_applies_and_audits(world, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    from fangkong.registry.services import set_personal

    old = Volunteer(subdistrict=world.sub, neighborhood=world.hood_a, name="退出志愿者", active=False)
    set_personal(old, {"phone": "13812345678"})
    old.save()
    current = Volunteer(subdistrict=world.sub, neighborhood=world.hood_a, name="在册志愿者", active=True)
    set_personal(current, {"phone": "13912345678"})
    current.save()
    recent = Volunteer(subdistrict=world.sub, neighborhood=world.hood_a, name="刚退出", active=False)
    set_personal(recent, {"phone": "13712345678"})
    recent.save()
    Volunteer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))

    before = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    out = io.StringIO()
    call_command("purge_personal_data", before=before, stdout=out)
    assert "演练" in out.getvalue()
    old.refresh_from_db()
    assert old.phone_enc and old.phone_hash  # nothing changed
    assert not AuditEvent.objects.filter(note="清除已过使用目的的个人信息").exists()

    out = io.StringIO()
    call_command("purge_personal_data", before=before, apply=True, stdout=out)
    old.refresh_from_db()
    current.refresh_from_db()
    recent.refresh_from_db()
    assert (old.phone_enc, old.phone_hash, old.phone_masked) == ("", "", "")
    assert old.name == "退出志愿者"  # the record stays; only its personal columns go
    assert current.phone_enc and recent.phone_enc
    event = AuditEvent.objects.get(note="清除已过使用目的的个人信息")
    assert event.changes["rows"] == 1 and event.subdistrict_id == world.sub.pk
    # a second run finds nothing left to purge
    assert sum(c.rows for c in purge.plan(dt.date.fromisoformat(before))) == 0


@pytest.mark.django_db
def test_apps_can_register_purge_rules(world, monkeypatch):
    monkeypatch.setattr(purge, "_rules", {})
    purge.register_purge_rule(
        purge.PurgeRule(
            key="test.household_a",
            label="测试规则",
            model="registry.Resident",
            select=lambda before: Resident.objects.filter(household=world.household_a),
            fields=("phone",),
        )
    )
    counts = {c.rule.key: c.rows for c in purge.plan(dt.date(2030, 1, 1))}
    assert counts["test.household_a"] == 1
    purge.purge_personal_data(actor=None, before=dt.date(2030, 1, 1))
    world.resident_a.refresh_from_db()
    world.resident_b.refresh_from_db()
    assert world.resident_a.phone_enc == "" and world.resident_a.id_number_enc  # only the named field
    assert world.resident_b.phone_enc


def test_purge_rejects_a_bad_date():
    with pytest.raises(CommandError):
        call_command("purge_personal_data", before="2020-02-30")


def test_personal_fields_are_discovered_generically():
    from django.apps import apps

    found = {model._meta.label: fields for model, fields in purge.personal_models()}
    assert found["registry.Resident"] == ["id_number", "phone"]
    assert found["registry.Organization"] == ["contact_phone"]
    assert "registry.Household" not in found
    assert purge.personal_fields(apps.get_model("registry", "Volunteer")) == ["phone"]
