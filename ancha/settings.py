"""Ancha settings: one module, read from the environment (DESIGN.md §4)."""

import importlib.util
import os
import sys
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from ancha.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

_DEV_SECRET = "ancha-development-only-not-secret"

try:
    DEBUG = env_bool("DJANGO_DEBUG", False)
    SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (_DEV_SECRET if DEBUG else None)
    if SECRET_KEY is None:
        raise ConfigError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
    DATABASES = {
        "default": database_from_url(
            env_str("DATABASE_URL", ""), sqlite_default=BASE_DIR / "db.sqlite3"
        )
    }
    MEDIA_ROOT = env_path("ANCHA_MEDIA_ROOT", BASE_DIR / "media")
    # Media (evidence, notice PDFs, reports) in an S3-compatible bucket instead of MEDIA_ROOT, for
    # several app servers without a shared volume. Credentials: boto3's AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY. Files stay private and are still served only through the views.
    S3_BUCKET = env_str("ANCHA_S3_BUCKET")
    if S3_BUCKET:
        import importlib.util

        if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
            raise ConfigError("ANCHA_S3_BUCKET needs django-storages with boto3: pip install 'django-storages[s3]'")
        STORAGES = {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": S3_BUCKET,
                    "endpoint_url": env_str("ANCHA_S3_ENDPOINT_URL"),
                    "region_name": env_str("ANCHA_S3_REGION"),
                    "location": env_str("ANCHA_S3_PREFIX", ""),
                    "addressing_style": env_str("ANCHA_S3_ADDRESSING_STYLE", "path"),
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    # Seconds an app server keeps its database connection between requests (0: a new one each
    # request). Behind gunicorn on PostgreSQL, 60 or more saves a connection set-up per request.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("ANCHA_DB_CONN_MAX_AGE", 0)
    EVIDENCE_MAX_BYTES = env_int("ANCHA_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    # How long a replay waits for the first request with its Idempotency-Key to finish.
    IDEMPOTENCY_WAIT_SECONDS = env_float("ANCHA_IDEMPOTENCY_WAIT_SECONDS", 20.0)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite's one wait is a writer's BEGIN waiting for the single writer: every writer waits as
        # long as a filing may, so a filing bounds its wait without a PRAGMA pair per request.
        DATABASES["default"]["OPTIONS"]["timeout"] = IDEMPOTENCY_WAIT_SECONDS
    # Sign-in is throttled per username and address (inspection/security/signin.py).
    ANCHA_SIGNIN_MAX_FAILURES = env_int("ANCHA_SIGNIN_MAX_FAILURES", 5)
    ANCHA_SIGNIN_WINDOW_MINUTES = env_int("ANCHA_SIGNIN_WINDOW_MINUTES", 15)
    # Past the free failures, each refusal lasts twice the last, up to this many seconds.
    ANCHA_SIGNIN_MAX_DELAY_SECONDS = env_int("ANCHA_SIGNIN_MAX_DELAY_SECONDS", 900)
    # Guesses at one account from this many addresses slow it for every browser without its
    # device cookie; failed sign-ins at this many usernames from one address slow that address.
    ANCHA_SIGNIN_ACCOUNT_ADDRESSES = env_int("ANCHA_SIGNIN_ACCOUNT_ADDRESSES", 10)
    ANCHA_SIGNIN_SPRAY_ACCOUNTS = env_int("ANCHA_SIGNIN_SPRAY_ACCOUNTS", 10)
    # An API token dies this many days after its last use (inspection/api/auth.py).
    ANCHA_TOKEN_DAYS = env_int("ANCHA_TOKEN_DAYS", 30)
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (none by default).
    ANCHA_TRUSTED_PROXIES = env_networks("ANCHA_TRUSTED_PROXIES")
    # Where audit_checkpoint and every morning's escalate append the audit chains' heads and root
    # (JSON lines), outside the database; copy it off the machine.
    # Empty: never written by itself.
    AUDIT_CHECKPOINT_FILE = os.environ.get("ANCHA_AUDIT_CHECKPOINT_FILE", str(BASE_DIR / "var" / "audit-checkpoints.jsonl"))
    AUDIT_CHECKPOINT_FILE = AUDIT_CHECKPOINT_FILE.strip() or None
    # `flush` empties every table, the audit chains included: only the test runner may.
    ANCHA_ALLOW_FLUSH = env_bool("ANCHA_ALLOW_FLUSH", False)
    SECURE = env_bool("ANCHA_SECURE", not DEBUG)
    # Where the public reaches /verify/<code>: printed and QR-coded on every issued notice.
    PUBLIC_URL = env_str("ANCHA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    # Reminders outside the portal (services/outbox.py, sent by `send_notifications`). A channel
    # without its address is off; with none on, people see their notifications in the portal alone.
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("ANCHA_EMAIL_HOST", "") or ""
    EMAIL_PORT = env_int("ANCHA_EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("ANCHA_EMAIL_USER", "") or ""
    EMAIL_HOST_PASSWORD = env_str("ANCHA_EMAIL_PASSWORD", "") or ""
    EMAIL_USE_TLS = env_bool("ANCHA_EMAIL_STARTTLS", False)
    EMAIL_USE_SSL = env_bool("ANCHA_EMAIL_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ConfigError("ANCHA_EMAIL_STARTTLS and ANCHA_EMAIL_SSL cannot both be on")
    EMAIL_TIMEOUT = env_int("ANCHA_EMAIL_TIMEOUT", 10)
    DEFAULT_FROM_EMAIL = env_str("ANCHA_EMAIL_FROM", "ancha@localhost") or "ancha@localhost"
    # The SMS / 政务 messaging gateway: a POST of JSON signed with HMAC-SHA256 under the secret.
    ANCHA_SMS_WEBHOOK_URL = env_str("ANCHA_SMS_WEBHOOK_URL", "") or ""
    ANCHA_SMS_WEBHOOK_SECRET = env_str("ANCHA_SMS_WEBHOOK_SECRET", "") or ""
    if ANCHA_SMS_WEBHOOK_URL and not ANCHA_SMS_WEBHOOK_URL.startswith(("https://", "http://")):
        raise ConfigError("ANCHA_SMS_WEBHOOK_URL must be an http(s) URL")
    if ANCHA_SMS_WEBHOOK_URL and len(ANCHA_SMS_WEBHOOK_SECRET) < 16:
        raise ConfigError("ANCHA_SMS_WEBHOOK_SECRET must be set (16 characters or more) with ANCHA_SMS_WEBHOOK_URL")
    ANCHA_SMS_WEBHOOK_TIMEOUT = env_float("ANCHA_SMS_WEBHOOK_TIMEOUT", 5.0)
    # A county's licensed letter faces (仿宋_GB2312, 方正小标宋, 黑体, 楷体_GB2312): dropped in
    # here, read at start-up by inspection/notices/letterfaces.py; absent: the free faces.
    ANCHA_LETTER_FONTS_DIR = env_path("ANCHA_LETTER_FONTS_DIR", BASE_DIR / "var" / "letter-fonts")
except ConfigError as exc:
    sys.stderr.write(f"ancha: configuration error: {exc}\n")
    raise SystemExit(2) from None

# django-ninja is not an installed app: an app's package is imported at every start, and ninja's
# (pydantic, its whole API machinery, django.test through ninja.conf) was about a third of the CPU of
# every manage.py start, cron's included, most of which never touch the API. What the app gave, its
# Swagger UI template and static files (served from here, not a CDN), comes from its folders below
# and inspection.security.openapi.LocalSwagger. find_spec locates the package without importing it.
NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "inspection.apps.InspectionConfig",
]

MIDDLEWARE = [
    "inspection.security.proxy.TrustedProxyMiddleware",  # first: everything after sees only believed headers
    "django.middleware.security.SecurityMiddleware",
    # Before the session: a cookie, path, query or body value PostgreSQL cannot hold stops here.
    "inspection.security.hygiene.InputHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "inspection.web.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "inspection.web.middleware.TemporaryPasswordMiddleware",
    "inspection.security.middleware.SecurityHeadersMiddleware",
    "inspection.security.devices.DeviceCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ancha.urls"
WSGI_APPLICATION = "ancha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
STATIC_ROOT = env_path("ANCHA_STATIC_ROOT", BASE_DIR / "var" / "static")
MEDIA_URL = None  # media (evidence, PDFs) is served only through views that check roles

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = ["inspection.security.signin.ThrottledModelBackend"]

# Each process keeps its own cache in memory: the dashboard's cards, under keys that name everything
# they show, so no process can hold a stale one (about five entries a county: web/commission.py,
# web/dashboard.html's {% cache %}), and the public /verify endpoint's counts per address
# (api/verify.py; the sign-in throttles are in the database). Django's default holds 300 entries,
# which is 60 counties: on a province's server (183 counties) every dashboard read pushed out
# another county's cards, and every card was computed again on every read. 20,000 entries is
# 4,000 counties, a few KB each.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

# Django's database sessions, read with one fixed statement (issue 14): server-side, revocable.
SESSION_ENGINE = "inspection.security.request_user"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600  # a working day, not Django's two weeks
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# TrustedProxyMiddleware (first in MIDDLEWARE) drops X-Forwarded-Proto from every peer outside
# ANCHA_TRUSTED_PROXIES, so the header Django reads here can only have come from a trusted proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "loggers": {
        "ancha": {"handlers": ["console"], "level": "INFO"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}
