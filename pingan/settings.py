"""Pingan settings: one module, configured only through environment variables.

Every variable is documented in `.env.example`. Defaults give the embedded set-up
(SQLite under $PINGAN_HOME, in-process SQLite task queue) so a laptop needs only Python.
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from pingan.core.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent
PINGAN_HOME = env_path("PINGAN_HOME", "./var")
PINGAN_HOME.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_str("PINGAN_ENV", "development") == "production"
DEBUG = env_bool("PINGAN_DEBUG", default=not PRODUCTION)


def _secret_key() -> str:
    """Env first; otherwise a key generated once under $PINGAN_HOME (mode 0600)."""
    key = env_str("PINGAN_SECRET_KEY")
    if key:
        return key
    path = PINGAN_HOME / "secret-key.txt"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("PINGAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("PINGAN_CSRF_TRUSTED_ORIGINS")
# Reverse proxies whose X-Forwarded-For is believed (client IP for lockout and audit).
PINGAN_TRUSTED_PROXIES = env_list("PINGAN_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

INSTALLED_APPS = [
    # django.contrib.admin with the system-admin-only site (pingan/web/adminsite.py).
    "pingan.web.adminsite.PinganAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "pingan.core",
    "pingan.regions",
    "pingan.accounts",
    "pingan.audit",
    "pingan.workdays",
    "pingan.flow",
    "pingan.events",
    "pingan.command",
    "pingan.mobile",
    "pingan.registry",
    "pingan.notify",
    "pingan.public",
    "pingan.web",
    "pingan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless the user switched language (cookie); ignores Accept-Language on purpose.
    "pingan.web.middleware.LanguageMiddleware",
    "pingan.core.middleware.NulQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pingan.accounts.middleware.SessionTimeoutMiddleware",
    "pingan.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pingan.urls"
WSGI_APPLICATION = "pingan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "pingan.web.context.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
_SQLITE_OPTIONS = {
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so concurrent writers queue on busy_timeout instead of failing with "locked".
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Server-side binding lets PostgreSQL keep a plan for statements a connection repeats
        # (after PINGAN_DB_PREPARE_THRESHOLD runs): event intake went from 156 to 193 reports/s.
        # 0 turns it off, for a pooler that cannot carry prepared statements (PgBouncer before
        # 1.21 in transaction mode).
        _prepare = env_int("PINGAN_DB_PREPARE_THRESHOLD", 2)
        if _prepare > 0:
            DATABASES["default"].setdefault("OPTIONS", {}).update(
                server_side_binding=True, prepare_threshold=_prepare
            )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": PINGAN_HOME / "pingan.sqlite3",
            # Reused for a minute by a gunicorn worker: opening one (with its PRAGMAs) cost
            # about 1.2 ms a request. The demo's runserver closes each thread's connections.
            "CONN_MAX_AGE": 60,
            "OPTIONS": _SQLITE_OPTIONS,
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

# --- Auth and sessions --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "pingan.accounts.passwords.PasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_AGE = 12 * 3600  # absolute session lifetime: 12 hours
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PINGAN_IDLE_TIMEOUT_ADMIN = env_int("PINGAN_IDLE_TIMEOUT_ADMIN", 15 * 60)
PINGAN_IDLE_TIMEOUT_USER = env_int("PINGAN_IDLE_TIMEOUT_USER", 30 * 60)
PINGAN_SESSION_ABSOLUTE = env_int("PINGAN_SESSION_ABSOLUTE", 12 * 3600)
PINGAN_LOCKOUT_FAILURES = env_int("PINGAN_LOCKOUT_FAILURES", 5)
PINGAN_LOCKOUT_SECONDS = env_int("PINGAN_LOCKOUT_SECONDS", 15 * 60)
# Failures from one client IP before it is locked; raise it when many users share one NAT address.
PINGAN_LOCKOUT_IP_FAILURES = env_int("PINGAN_LOCKOUT_IP_FAILURES", PINGAN_LOCKOUT_FAILURES)

# --- Security (production) ----------------------------------------------------------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("PINGAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("PINGAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- i18n and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = PINGAN_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = PINGAN_HOME / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "pingan.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pingan 平安 API",
    "DESCRIPTION": "综治 / 平安建设信息系统 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Tasks (Huey) -------------------------------------------------------------------------
HUEY_IMMEDIATE = env_bool("PINGAN_TASKS_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "pingan",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "pingan",
        "filename": str(PINGAN_HOME / "tasks.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {"workers": env_int("PINGAN_TASK_WORKERS", 2), "worker_type": "thread"}

# --- Pingan -------------------------------------------------------------------------------
PINGAN_DATA_KEY = env_str("PINGAN_DATA_KEY")
PINGAN_DATA_KEY_FILE = PINGAN_HOME / "data-key.txt"
PINGAN_MAP_TILE_URL = env_str("PINGAN_MAP_TILE_URL")
PINGAN_MAP_TILE_ATTRIBUTION = env_str("PINGAN_MAP_TILE_ATTRIBUTION")
PINGAN_AUDIT_RETENTION_DAYS = max(180, env_int("PINGAN_AUDIT_RETENTION_DAYS", 365))
PINGAN_SITE_NAME = env_str("PINGAN_SITE_NAME", "平安建设信息系统")

# Working-day calendar (pingan.workdays): office hours on working days, Beijing time, and how
# often a process re-checks the holiday table for edits made by other processes.
PINGAN_OFFICE_HOURS = env_str("PINGAN_OFFICE_HOURS", "09:00-12:00,13:30-17:30")
PINGAN_CALENDAR_CACHE_SECONDS = env_int("PINGAN_CALENDAR_CACHE_SECONDS", 60)

# Point → grid index (pingan.regions.lookup): how often (seconds) each process compares its
# in-memory index with the database's grid version stamp before answering a lookup.
PINGAN_GRID_INDEX_CHECK_SECONDS = env_int("PINGAN_GRID_INDEX_CHECK_SECONDS", 5)

# Case engine (pingan.flow): warn point as a percentage of each limit; whether an unsatisfied
# callback (回访不满意) reopens the case; 督办 penalty points and response limits (hours).
PINGAN_CLOCK_WARN_RATIO = env_int("PINGAN_CLOCK_WARN_PERCENT", 80) / 100
# Deadline scans per minute (1–6): detection lag ≤ 60 / N seconds plus the scan itself.
PINGAN_DEADLINE_SCANS_PER_MINUTE = min(6, max(1, env_int("PINGAN_DEADLINE_SCANS_PER_MINUTE", 2)))
PINGAN_REOPEN_ON_UNSATISFIED = env_bool("PINGAN_REOPEN_ON_UNSATISFIED", True)
PINGAN_SUPERVISION_POINTS = {
    "normal": 0,
    "yellow": env_int("PINGAN_SUPERVISION_YELLOW_POINTS", 5),
    "red": env_int("PINGAN_SUPERVISION_RED_POINTS", 10),
}
PINGAN_SUPERVISION_RESPONSE_HOURS = {
    "normal": env_int("PINGAN_SUPERVISION_NORMAL_HOURS", 48),
    "yellow": env_int("PINGAN_SUPERVISION_YELLOW_HOURS", 24),
    "red": env_int("PINGAN_SUPERVISION_RED_HOURS", 8),
}

# Case attachments (events app): largest file accepted, in bytes (at most 9 per case).
PINGAN_ATTACHMENT_MAX_BYTES = env_int("PINGAN_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# How long a process trusts its cached event categories and matter catalogue (seconds).
PINGAN_CATALOGUE_CACHE_SECONDS = env_int("PINGAN_CATALOGUE_CACHE_SECONDS", 60)

# Notifications (notify app). Backends per channel: "console" (log only, the default),
# "webhook" (HMAC-signed JSON POST to a gateway), "email" (Django mail, EMAIL_* settings).
PINGAN_SMS_BACKEND = env_str("PINGAN_SMS_BACKEND", "console")
PINGAN_VOICE_BACKEND = env_str("PINGAN_VOICE_BACKEND", "console")
PINGAN_EMAIL_BACKEND = env_str("PINGAN_EMAIL_BACKEND", "console")
PINGAN_SMS_WEBHOOK_URL = env_str("PINGAN_SMS_WEBHOOK_URL")
PINGAN_SMS_WEBHOOK_SECRET = env_str("PINGAN_SMS_WEBHOOK_SECRET")
PINGAN_VOICE_WEBHOOK_URL = env_str("PINGAN_VOICE_WEBHOOK_URL")
PINGAN_VOICE_WEBHOOK_SECRET = env_str("PINGAN_VOICE_WEBHOOK_SECRET")
# The 【签名】 at the start of every SMS (registered with the carrier).
PINGAN_SMS_SIGNATURE = env_str("PINGAN_SMS_SIGNATURE", "平安建设")
PINGAN_NOTIFY_MAX_ATTEMPTS = env_int("PINGAN_NOTIFY_MAX_ATTEMPTS", 8)
PINGAN_NOTIFY_RETRY_BASE_SECONDS = env_int("PINGAN_NOTIFY_RETRY_BASE_SECONDS", 30)
# Seconds to wait for the SMS/voice gateway's answer before counting a failed attempt.
PINGAN_NOTIFY_WEBHOOK_TIMEOUT = env_int("PINGAN_NOTIFY_WEBHOOK_TIMEOUT", 10)
# Outgoing mail for PINGAN_EMAIL_BACKEND=email (Django's SMTP settings).
EMAIL_HOST = env_str("PINGAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PINGAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("PINGAN_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("PINGAN_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("PINGAN_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("PINGAN_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("PINGAN_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("PINGAN_EMAIL_FROM", "pingan@localhost")
# Public base URL used in SMS links (the portal as citizens reach it).
PINGAN_PUBLIC_URL = env_str("PINGAN_PUBLIC_URL", "http://127.0.0.1:8000")

# Inbound SMS from the short-code gateway (POST /public/sms/inbound/, docs/integration/sms.md):
# the shared HMAC secret (several, comma-separated, while rotating; empty: endpoint refused);
# the leaf event category and county of texts that become reports (county default: the only
# county of the installation); the shortest text taken as a report (shorter: a help reply);
# rate limits per sender phone, "<count>/<window>": reports (over it: a polite reply, no
# case) and all messages (over it: recorded, no reply at all, which stops auto-reply loops).
PINGAN_SMS_INBOUND_SECRET = env_str("PINGAN_SMS_INBOUND_SECRET")
PINGAN_SMS_DEFAULT_CATEGORY = env_str("PINGAN_SMS_DEFAULT_CATEGORY", "08")
PINGAN_SMS_COUNTY = env_str("PINGAN_SMS_COUNTY")
PINGAN_SMS_MIN_REPORT_CHARS = env_int("PINGAN_SMS_MIN_REPORT_CHARS", 5)
PINGAN_SMS_LIMIT_REPORTS = env_str("PINGAN_SMS_LIMIT_REPORTS", "3/1h")
PINGAN_SMS_LIMIT_MESSAGES = env_str("PINGAN_SMS_LIMIT_MESSAGES", "20/1h")
# Voice status queries from the IVR (POST /public/voice/query/, docs/integration/voice.md):
# the shared HMAC secret, and queries per caller number.
PINGAN_VOICE_INBOUND_SECRET = env_str("PINGAN_VOICE_INBOUND_SECRET")
PINGAN_VOICE_LIMIT_CALLER = env_str("PINGAN_VOICE_LIMIT_CALLER", "5/10m")

# Open311 GeoReport v2 (/open311/v2/, docs/integration/open311.md). The jurisdiction_id this
# endpoint answers to (default: the public host without "www."); the discovery texts; rate
# limits (POSTs per client key and minute, GETs per IP and minute); event-category code
# prefixes whose requests show description, address, point and media (others are private).
PINGAN_OPEN311_JURISDICTION = env_str(
    "PINGAN_OPEN311_JURISDICTION",
    (urlsplit(PINGAN_PUBLIC_URL).hostname or "localhost").removeprefix("www."),
)
PINGAN_OPEN311_CONTACT = env_str("PINGAN_OPEN311_CONTACT")
PINGAN_OPEN311_KEY_SERVICE = env_str("PINGAN_OPEN311_KEY_SERVICE")
PINGAN_OPEN311_POST_PER_MINUTE = env_int("PINGAN_OPEN311_POST_PER_MINUTE", 60)
PINGAN_OPEN311_GET_PER_MINUTE = env_int("PINGAN_OPEN311_GET_PER_MINUTE", 120)
PINGAN_OPEN311_PUBLIC_CATEGORIES = env_list(
    "PINGAN_OPEN311_PUBLIC_CATEGORIES", ["0106", "0112", "0308", "0311", "07"]
)

# Citizen portal (/portal/). Days after closure in which a citizen may rate the result and
# ask for reopening (the SMS survey link expires with it too).
PINGAN_PUBLIC_REOPEN_DAYS = env_int("PINGAN_PUBLIC_REOPEN_DAYS", 15)
# Largest photo (up to 3 per report) and largest whole request, in bytes.
PINGAN_PORTAL_PHOTO_MAX_BYTES = env_int("PINGAN_PORTAL_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
PINGAN_PORTAL_MAX_REQUEST_BYTES = env_int(
    "PINGAN_PORTAL_MAX_REQUEST_BYTES", 3 * PINGAN_PORTAL_PHOTO_MAX_BYTES + 256 * 1024
)
# Rate limits as "<count>/<window>" (window in s, m or h), counted in the database so every
# process sees the same counts.
PINGAN_PORTAL_RATE_LIMITS = {
    "report_ip": env_str("PINGAN_PORTAL_LIMIT_REPORT_IP", "5/1h"),
    "report_phone": env_str("PINGAN_PORTAL_LIMIT_REPORT_PHONE", "3/1h"),
    "otp_phone": env_str("PINGAN_PORTAL_LIMIT_OTP_PHONE", "3/10m"),
    "otp_ip": env_str("PINGAN_PORTAL_LIMIT_OTP_IP", "10/1h"),
    "track_ip": env_str("PINGAN_PORTAL_LIMIT_TRACK_IP", "20/10m"),
}

# Hotline (/hotline/, docs/integration/hotline.md). The telephony bridge's key(s) for
# GET /api/v1/hotline/grid-contact/ (header X-Pingan-Bridge-Key; comma-separated while
# rotating; empty: only operators' tokens are accepted), and the region code the bridge may
# ask about (empty: every region).
PINGAN_HOTLINE_BRIDGE_KEY = env_str("PINGAN_HOTLINE_BRIDGE_KEY")
PINGAN_HOTLINE_BRIDGE_REGION = env_str("PINGAN_HOTLINE_BRIDGE_REGION")
# Callback queue (/callbacks/, docs/user/callbacks.md): failed call attempts after which a
# case may be closed out as 无法联系, and minutes before a failed case is due for a retry.
PINGAN_CALLBACK_MAX_ATTEMPTS = max(1, env_int("PINGAN_CALLBACK_MAX_ATTEMPTS", 3))
PINGAN_CALLBACK_RETRY_MINUTES = max(0, env_int("PINGAN_CALLBACK_RETRY_MINUTES", 120))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PINGAN_LOG_LEVEL", "INFO")},
    # Configured here so `run_huey` does not add a second handler of its own.
    "loggers": {"huey": {"handlers": ["console"], "propagate": False}},
}
