import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client, override_settings
from django.urls import reverse

from fangkong.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_production_hasher_is_argon2():
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    encoded = make_password("s3cret-密码", hasher="argon2")
    assert encoded.startswith("argon2$")
    assert check_password("s3cret-密码", encoded)


def test_login_and_logout(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


@override_settings(FANGKONG_LOCKOUT_FAILURES=3)
def test_lockout_after_repeated_failures(world):
    client = Client()
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "staff_a", "password": "wrong"})
        assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    # even the right password is refused while locked
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 200
    world.staff_a.refresh_from_db()
    assert world.staff_a.locked_until is not None


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_password_change(world):
    client = Client()
    client.force_login(world.staff_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Jiangwan-2020-new",
            "new_password2": "Jiangwan-2020-new",
        },
    )
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert world.staff_a.check_password("Jiangwan-2020-new")


@pytest.mark.parametrize(
    "persona,status",
    [
        ("hq", 200),
        ("staff_a", 200),
        ("staff_b", 200),
        ("cadre", 200),
        ("org_contact", 200),
        ("anonymous", 302),
    ],
)
def test_home_per_persona(as_persona, persona, status):
    assert as_persona(persona).get(reverse("home")).status_code == status


def test_english_switch(world):
    client = Client()
    client.force_login(world.staff_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in body
    assert "Sign out" in body and "Neighborhoods" in body


def test_chinese_is_the_default_whatever_the_browser_asks(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(world.staff_a)
    body = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in body and "退出" in body
