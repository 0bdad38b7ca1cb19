"""fangkong settings. Every value comes from the environment through typed helpers (see .env.example)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from fangkong.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO = PACKAGE_DIR.parent.parent
BASE_DIR = _REPO if (_REPO / "pyproject.toml").exists() else Path.cwd()
VAR_DIR = Path(env_str("FANGKONG_VAR_DIR", str(BASE_DIR / "var")))

# Secrets written by `fangkong demo` for a local install; the environment always wins.
_SECRETS_FILE = VAR_DIR / "secrets.json"
_secrets: dict[str, object] = {}
if _SECRETS_FILE.exists():
    _secrets = json.loads(_SECRETS_FILE.read_text())

DEBUG = env_bool("FANGKONG_DEBUG", False)
SECRET_KEY = env_str("FANGKONG_SECRET_KEY", str(_secrets.get("secret_key", ""))) or (
    "insecure-development-key-change-me" if DEBUG or "PYTEST_VERSION" in os.environ else ""
)
ALLOWED_HOSTS = env_list("FANGKONG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("FANGKONG_CSRF_TRUSTED_ORIGINS", [])

# Personal-data keys: FANGKONG_DATA_KEY is a comma-separated list of "id:base64key" (the first encrypts,
# all decrypt); FANGKONG_HASH_KEY keys the lookup hash.
FANGKONG_DATA_KEYS = env_list("FANGKONG_DATA_KEY", [str(k) for k in _secrets.get("data_keys", [])])  # type: ignore[attr-defined]
FANGKONG_HASH_KEY = env_str("FANGKONG_HASH_KEY", str(_secrets.get("hash_key", "")))
# Start even though stored personal data cannot be read with the configured keys (core.keycheck): only once
# the lost keys are known to be gone for good.
FANGKONG_ACCEPT_LOST_KEYS = env_bool("FANGKONG_ACCEPT_LOST_KEYS", False)
if "PYTEST_VERSION" in os.environ and not FANGKONG_DATA_KEYS:
    # Fixed, public test keys: tests only, never a deployment.
    FANGKONG_DATA_KEYS = ["t1:dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDAwMDA="]
    FANGKONG_HASH_KEY = "test-hash-key"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "fangkong.core",
    "fangkong.registry",
    "fangkong.pairing",
    "fangkong.masks",
    "fangkong.returnees",
    "fangkong.care",
    "fangkong.tickets",
    "fangkong.inspections",
    "fangkong.command",
    "fangkong.api",
    "fangkong.project",  # the cross-app demo and its commands
    "ninja",  # serves the API docs' Swagger UI from static files (no CDN, no inline script)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fangkong.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fangkong.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fangkong.core.ratelimit.RateLimitMiddleware",
    "fangkong.core.middleware.BadInputMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fangkong.core.context_processors.navigation",
            ],
        },
    },
]

# One template per form field: labels without a colon, required fields marked (core.forms.FormRenderer).
FORM_RENDERER = "fangkong.core.forms.FormRenderer"

_default_db = f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db), conn_max_age=env_int("FANGKONG_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with a serialised writer (writers of a process queue on a lock, not in
    # SQLite's sleeping busy handler); `fangkong serve` runs one process with threads on SQLite.
    DATABASES["default"]["ENGINE"] = "fangkong.core.backends.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("FANGKONG_SQLITE_TEST_NAME", "") or None}
else:
    DATABASES["default"]["TEST"] = {"NAME": env_str("FANGKONG_PG_TEST_NAME", "") or None}
    # Django's cursors bind parameters client-side and never prepare. The public booking path asks for a
    # server-side prepared statement explicitly; psycopg only honours that when the connection has a threshold,
    # and one this high never prepares anything else. Set FANGKONG_PG_PREPARED=0 behind a connection pooler
    # that cannot keep prepared statements (the booking path then sends its statement unprepared).
    if env_bool("FANGKONG_PG_PREPARED", True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["fangkong.core.auth.LockoutModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PRODUCTION_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_HASHERS = list(PRODUCTION_PASSWORD_HASHERS)
if "PYTEST_VERSION" in os.environ and not env_bool("FANGKONG_TEST_REAL_HASHER", False):
    # Test speed only: fixtures create many users. Argon2 stays the production hasher (tested).
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
FANGKONG_LOCKOUT_FAILURES = env_int("FANGKONG_LOCKOUT_FAILURES", 5)
FANGKONG_LOCKOUT_MINUTES = env_int("FANGKONG_LOCKOUT_MINUTES", 15)
# Failed sign-ins from one address over every username before that address is refused for a while.
FANGKONG_LOGIN_IP_FAILURES = env_int("FANGKONG_LOGIN_IP_FAILURES", 30)
# A reverse proxy in front sets X-Forwarded-Proto and appends the client to X-Forwarded-For: trust those
# headers only when the operator says so (otherwise any client could claim HTTPS or another address).
FANGKONG_TRUST_PROXY = env_bool("FANGKONG_TRUST_PROXY", False)

SESSION_COOKIE_AGE = env_int("FANGKONG_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("FANGKONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("FANGKONG_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and "PYTEST_VERSION" not in os.environ
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG or "PYTEST_VERSION" in os.environ
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Notifications: console, file or webhook (comma-separated to use several).
FANGKONG_NOTIFY_BACKENDS = env_list("FANGKONG_NOTIFY_BACKENDS", ["console"])
FANGKONG_NOTIFY_FILE = env_str("FANGKONG_NOTIFY_FILE", str(VAR_DIR / "notifications.log"))
FANGKONG_NOTIFY_WEBHOOK_URL = env_str("FANGKONG_NOTIFY_WEBHOOK_URL", "")
FANGKONG_PUBLIC_BASE_URL = env_str("FANGKONG_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
FANGKONG_NOTIFY_MAX_ATTEMPTS = env_int("FANGKONG_NOTIFY_MAX_ATTEMPTS", 6)
# Quiet hours hold back the delivery (not the inbox) of non-urgent messages, e.g. "22:00-07:00"; empty: none.
FANGKONG_QUIET_HOURS = env_str("FANGKONG_QUIET_HOURS", "")
# Minutes an alert may stay unread before it goes to the next level (person in charge → committee → HQ).
FANGKONG_ESCALATE_MINUTES = env_str(
    "FANGKONG_ESCALATE_MINUTES",
    "fever=30,pairing.round_overdue=120,missed_report=120,returnees.referral_pending=60",
)

# The job runner (`fangkong worker`, started by `fangkong demo` and `fangkong serve`): periodic jobs with their
# schedules as settings ("name=every 5m;name=daily 23:55;name=off"), and django-tasks for one-off long work.
FANGKONG_JOB_SCHEDULES = env_str("FANGKONG_JOB_SCHEDULES", "")
FANGKONG_JOBS_CATCHUP_DAYS = env_int("FANGKONG_JOBS_CATCHUP_DAYS", 7)
FANGKONG_WORKER_TICK_SECONDS = env_int("FANGKONG_WORKER_TICK_SECONDS", 10)
FANGKONG_WORKER = env_bool("FANGKONG_WORKER", True)
FANGKONG_DASHBOARD_POLL_SECONDS = env_int("FANGKONG_DASHBOARD_POLL_SECONDS", 30)
# Seconds a rendered dashboard board is kept per scope (0: counted on every request).
FANGKONG_DASHBOARD_CACHE_SECONDS = env_int("FANGKONG_DASHBOARD_CACHE_SECONDS", 10)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FANGKONG_EXPORT_INLINE_ROWS = env_int("FANGKONG_EXPORT_INLINE_ROWS", 3000)
FANGKONG_EXPORT_KEEP_HOURS = env_int("FANGKONG_EXPORT_KEEP_HOURS", 24)
FANGKONG_IMPORT_INLINE_ROWS = env_int("FANGKONG_IMPORT_INLINE_ROWS", 3000)

# Spreadsheet uploads: kept (encrypted) between preview and commit for this long; zip-bomb limits; row caps
# per format as "slug:rows" (e.g. "households:300000,volunteers:5000"; defaults are in each format).
FANGKONG_UPLOAD_TTL_SECONDS = env_int("FANGKONG_UPLOAD_TTL_SECONDS", 6 * 3600)
FANGKONG_IMPORT_MAX_UNZIPPED_BYTES = env_int("FANGKONG_IMPORT_MAX_UNZIPPED_MB", 400) * 1024 * 1024
FANGKONG_IMPORT_MAX_ZIP_RATIO = env_int("FANGKONG_IMPORT_MAX_ZIP_RATIO", 200)
FANGKONG_IMPORT_MAX_ROWS = {
    slug.strip(): int(rows)
    for slug, _sep, rows in (item.partition(":") for item in env_list("FANGKONG_IMPORT_MAX_ROWS", []))
    if rows.strip().isdigit()
}

# Production hardening (checked by `fangkong check --deploy`).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Scripts only from the site's own static files: no inline script, no event-handler attribute, no eval (pages
# mark elements with data attributes that static/js/fangkong.js wires). Inline styles stay allowed
# ('unsafe-inline' in style-src: style attributes cannot run code). QR codes are inline SVG; images may be
# data: URLs (the API docs' icons).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("FANGKONG_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("FANGKONG_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("FANGKONG_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("FANGKONG_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
    SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
    if FANGKONG_TRUST_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("FANGKONG_SILENCED_CHECKS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query": {"()": "fangkong.core.privacy.DropQueryString"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "server": {"class": "logging.StreamHandler", "filters": ["no_query"]},
    },
    "loggers": {
        "fangkong": {"handlers": ["console"], "level": env_str("FANGKONG_LOG_LEVEL", "INFO")},
        # every server error with its traceback, in production too (Django's own console needs DEBUG)
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # the development server's request lines, without query strings (searches carry personal data)
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}

FANGKONG_BRAND = _("江湾防控")
