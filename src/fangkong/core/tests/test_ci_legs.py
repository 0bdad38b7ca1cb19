"""In CI (CI=true) the PostgreSQL leg and the browser tests are mandatory: a missing server or chromium fails
the run; locally they are skipped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from fangkong.core.testing import in_ci, skip_or_fail_in_ci

REPO = Path(__file__).resolve().parents[4]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("ci", ["true", ""])
def test_skip_or_fail_in_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    assert in_ci() is (ci == "true")
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="chromium"):
        skip_or_fail_in_ci("chromium is missing")


@pytest.mark.parametrize("ci", ["true", ""])
def test_make_test_pg_fails_in_ci_when_no_server_answers(ci):
    if not shutil.which("make"):
        skip_or_fail_in_ci("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL", "CI"))}
    env.update(CI=ci, DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/postgres")
    # -o: take the installed virtualenv as it is (no reinstall from this test)
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/bin/.installed", "test-pg"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    if ci:
        assert result.returncode != 0 and "no server answers" in output, output
    else:
        assert result.returncode == 0 and "PostgreSQL leg skipped" in output, output
