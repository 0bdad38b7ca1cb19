"""Sign-in lockout: counted before the password check, per (username, address) and per address; one answer
for a locked account, a wrong password and an unknown username; HQ can lift a lock."""

import datetime as dt
import re
import threading

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection, connections
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fangkong.core import auth, services
from fangkong.core.exceptions import ScopeError
from fangkong.core.models import AuditEvent, LoginFailure
from fangkong.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(username: str, password: str, ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post(LOGIN, {"username": username, "password": password})


def error_text(response) -> str:
    match = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', response.content.decode(), re.S)
    assert match, response.content.decode()[:2000]
    return match.group(1)


@override_settings(FANGKONG_LOCKOUT_FAILURES=3)
def test_lock_after_failures_and_same_answer_as_a_wrong_password(world):
    wrong = attempt("staff_a", "wrong")
    assert wrong.status_code == 200
    unknown = attempt("nobody-here", "wrong")
    for _ in range(2):
        attempt("staff_a", "wrong")
    locked = attempt("staff_a", PASSWORD)  # the right password, refused while the lock holds
    assert locked.status_code == 200
    assert "_auth_user_id" not in locked.wsgi_request.session
    # one answer for all three: nobody learns which usernames exist or which are locked
    assert error_text(wrong) == error_text(locked) == error_text(unknown)
    assert "锁定" not in locked.content.decode()
    world.staff_a.refresh_from_db()
    assert world.staff_a.locked_until is not None  # shown to HQ and in admin


@override_settings(FANGKONG_LOCKOUT_FAILURES=3)
def test_an_outsider_cannot_lock_the_owner_out(world):
    for _ in range(10):
        attempt("hq", "wrong", ip="203.0.113.9")
    assert attempt("hq", PASSWORD, ip="203.0.113.9").status_code == 200  # the outsider's address is locked
    response = attempt("hq", PASSWORD, ip="10.1.1.1")  # HQ, from its own address, signs in
    assert response.status_code == 302


@override_settings(FANGKONG_LOCKOUT_FAILURES=3, FANGKONG_LOCKOUT_MINUTES=15)
def test_locks_grow_longer(world):
    now = timezone.now()
    lengths = []
    for _round in range(3):
        verdicts = [auth.reserve_attempt("hq", "10.9.9.9", now=now) for _ in range(3)]
        assert all(v.allowed for v in verdicts)
        until = verdicts[-1].account_locked_until
        assert until is not None
        assert not auth.reserve_attempt("hq", "10.9.9.9", now=now + dt.timedelta(seconds=1)).allowed
        lengths.append(until - now)
        now = until + dt.timedelta(seconds=1)
    assert lengths == [dt.timedelta(minutes=15), dt.timedelta(minutes=30), dt.timedelta(minutes=60)]


@override_settings(FANGKONG_LOCKOUT_FAILURES=3)
def test_success_forgets_the_failures(world):
    attempt("staff_a", "wrong")
    attempt("staff_a", "wrong")
    assert attempt("staff_a", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="staff_a").exists()
    attempt("staff_a", "wrong")
    attempt("staff_a", "wrong")
    assert attempt("staff_a", PASSWORD).status_code == 302


@override_settings(FANGKONG_LOCKOUT_FAILURES=5, FANGKONG_LOGIN_IP_FAILURES=6)
def test_an_address_trying_many_usernames_is_throttled(world):
    for i in range(6):
        assert attempt(f"user{i}", "wrong", ip="198.51.100.7").status_code == 200
    response = attempt("staff_a", PASSWORD, ip="198.51.100.7")
    assert response.status_code == 429
    assert "频繁" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert attempt("staff_a", PASSWORD, ip="198.51.100.8").status_code == 302


@override_settings(FANGKONG_TRUST_PROXY=False)
def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(rf):
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert auth.client_ip(request) == "10.0.0.5"
    with override_settings(FANGKONG_TRUST_PROXY=True):
        request = rf.post(LOGIN, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
        assert auth.client_ip(request) == "1.2.3.4"  # the entry the proxy appended, not the client's claim


@override_settings(FANGKONG_LOCKOUT_FAILURES=2)
def test_hq_unlocks_an_account_audited(world):
    for ip in ("10.0.0.1", "10.0.0.2"):
        attempt("staff_a", "wrong", ip=ip)
        attempt("staff_a", "wrong", ip=ip)
    assert attempt("staff_a", PASSWORD).status_code == 200
    with pytest.raises(ScopeError):
        services.unlock_account(actor=world.staff_b, user=world.staff_a)
    with pytest.raises(ScopeError):
        services.unlock_account(actor=world.other_hq, user=world.staff_a)
    hq = Client()
    hq.force_login(world.hq)
    response = hq.post(reverse("account_unlock", args=[world.staff_a.pk]), {"next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    world.staff_a.refresh_from_db()
    assert world.staff_a.locked_until is None
    assert not LoginFailure.objects.filter(username="staff_a").exists()
    assert AuditEvent.objects.filter(object_type="core.user", object_id=str(world.staff_a.pk)).exists()
    assert attempt("staff_a", PASSWORD).status_code == 302


def test_unlock_endpoint_is_hq_only(world):
    for persona in (world.staff_a, world.other_hq):
        client = Client()
        client.force_login(persona)
        assert client.post(reverse("account_unlock", args=[world.staff_b.pk])).status_code == 404
    client = Client()
    client.force_login(world.hq)
    assert client.get(reverse("account_unlock", args=[world.staff_b.pk])).status_code == 405
    next_outside = client.post(
        reverse("account_unlock", args=[world.staff_b.pk]), {"next": "https://evil.example/"}
    )
    assert next_outside["Location"] == reverse("home")


@hsettings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["hq", "x"]), st.sampled_from(["a", "b"]), st.booleans()), max_size=40)
)
@override_settings(FANGKONG_LOCKOUT_FAILURES=3, FANGKONG_LOGIN_IP_FAILURES=0)
def test_never_more_checks_than_the_limit_between_locks(plan):
    """Whatever the order of attempts, a (username, address) gets at most the limit of password checks
    without a success, until its lock ends."""
    LoginFailure.objects.all().delete()
    now = timezone.now()
    checks: dict[tuple[str, str], int] = {}
    for username, ip, succeeds in plan:
        verdict = auth.reserve_attempt(username, ip, now=now)
        if not verdict.allowed:
            continue
        checks[(username, ip)] = checks.get((username, ip), 0) + 1
        assert checks[(username, ip)] <= 3
        if succeeds:
            auth.release_attempt(username, ip)
            checks[(username, ip)] = 0


@pytest.mark.django_db(transaction=True)
@override_settings(FANGKONG_LOCKOUT_FAILURES=5, FANGKONG_LOGIN_IP_FAILURES=1000)
def test_parallel_wrong_passwords_cannot_pass_the_lock(world, monkeypatch):
    """30 simultaneous wrong passwords (real connections, one per thread): at most 5 are checked, the
    (username, address) ends locked, and the right password is then refused from that address."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "needs a database that gives each thread its own connection (PostgreSQL, or SQLite in a file)"
        )
    real = ModelBackend.authenticate
    checked: list[int] = []
    guard = threading.Lock()

    def counting(self, request, username=None, password=None, **kwargs):
        with guard:
            checked.append(1)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    threads_n = 30
    start = threading.Barrier(threads_n)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            response = attempt("hq", "wrong-password", ip="192.0.2.50")
            with guard:
                statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert statuses == [200] * threads_n
    assert len(checked) <= 5
    row = LoginFailure.objects.get(username="hq", ip="192.0.2.50")
    assert row.locked_until is not None and row.locked_until > timezone.now()
    assert attempt("hq", PASSWORD, ip="192.0.2.50").status_code == 200
    assert attempt("hq", PASSWORD, ip="192.0.2.51").status_code == 302


def test_sign_in_requests_per_address_are_rate_limited(world, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_ACCOUNTS_LOGIN", "ip=3,key=0,window=60")
    for _ in range(3):
        assert attempt("nobody", "wrong", ip="198.51.100.99").status_code == 200
    response = attempt("staff_a", PASSWORD, ip="198.51.100.99")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert attempt("staff_a", PASSWORD, ip="198.51.100.98").status_code == 302
