"""Settings for AITRE Studio: the only settings file.

Every difference between environments is an environment variable with a safe development default, so the
studio runs with no variables at all (SQLite, the django-q2 ORM broker, media on local disk, the built-in
sandbox gateway). Production is `DEBUG=false` plus the variables listed in the README; bad values stop the
start-up with ImproperlyConfigured instead of running half-configured.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from aitre_site.addresses import local_url

# Lets model, form and admin classes be subscripted with their types at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG: bool = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-7f3a9c2e5b8d1f4a6c0e3b7d9f2a5c8e1b4d7f0a3c6e9b2d5f8a1c4e7b0d3f6a"
SECRET_KEY: str = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must not be the development key when DEBUG is off.")
SECRET_KEY_FALLBACKS: list[str] = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where `make run` (manage.py run_studio) serves the studio; the development addresses below follow it.
RUN_ADDR: str = env.str("RUN_ADDR", default="127.0.0.1:8000")
# The public address of this studio, used in invitation e-mails, share links and the sandbox's result URLs.
SITE_URL: str = env.str("SITE_URL", default=local_url(RUN_ADDR)).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_q",
    "allauth",
    "allauth.account",
    "axes",
    "studio.accounts",
    "studio.projects",
    "studio.generations",
    "studio.history",
    "studio.sharing",
    "studio.costs",
    "studio.notifications",
    "studio.webhooks",
    "studio.prompts",
    "studio.reviews",
    "studio.comments",
    "studio.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "studio.accounts.middleware.PrivatePagesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studio.accounts.middleware.UserTimezoneMiddleware",
    # After LocaleMiddleware (the visitor's language) and authentication (the user's own choice).
    "studio.accounts.middleware.UserLanguageMiddleware",
    # Axes must come last so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aitre_site.urls"
WSGI_APPLICATION = "aitre_site.wsgi.application"
ASGI_APPLICATION = "aitre_site.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studio.accounts.context_processors.teams",
            ],
        },
    },
]

# Database: SQLite by default, tuned so a web process and the queue's workers can write side by side
# (WAL, BEGIN IMMEDIATE, a generous busy timeout); DATABASE_URL switches to PostgreSQL.
VAR_DIR.mkdir(exist_ok=True)
# An empty DATABASE_URL means "not set" (the embedded default), as it does for REDIS_URL.
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES: dict[str, dict[str, Any]] = {"default": environ.Env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        }
    )
    # Background workers are separate processes, so even tests need a database file they can share
    # (tests/conftest.py moves it into each test session's temporary folder).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory by default; REDIS_URL shares it between processes (and feeds the queue below).
REDIS_URL: str = env.str("REDIS_URL", default="")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        # Card fragments are a few KB each and a History page holds up to 96: the default 300 entries
        # would evict a page's cards before they are read twice.
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
    )
}

# Background work (django-q2). The ORM broker guarantees delivery, so a killed worker's task runs again;
# Redis is faster but may lose a task in flight, which is safe only because every task's state lives in
# the database and is re-derived from it.
Q_CLUSTER: dict[str, Any] = {
    "name": "aitre",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=660),
    "retry": env.int("Q_RETRY", default=720),
    "max_attempts": 3,
    "ack_failures": False,
    "catch_up": False,
    "recycle": 200,
    "queue_limit": 4,
    "save_limit": 1000,
    "poll": 0.2,
    "label": "Task queue",
    # The results lane (studio/queue.py): `Q_CLUSTER_NAME=aitre-results manage.py qcluster` runs it.
    "ALT_CLUSTERS": {"aitre-results": {"workers": env.int("Q_RESULT_WORKERS", default=2)}},
}
RESULTS_QUEUE = "aitre-results"
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Accounts (django-allauth): sign-up and log-in by e-mail only.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION: str = env.str("ACCOUNT_EMAIL_VERIFICATION", default="none")
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "studio.accounts.adapter.AccountAdapter"
ACCOUNT_ALLOW_SIGNUP: bool = env.bool("ACCOUNT_ALLOW_SIGNUP", default=True)

# Login throttling (django-axes): five failures for one e-mail from one address lock that pair out for a
# quarter of an hour. Keying on e-mail *and* address means an attacker elsewhere cannot lock a victim out,
# and the cool-off means nobody is locked out for good.
AXES_FAILURE_LIMIT: int = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "studio.accounts.throttling.username_from_request"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# Reverse proxies in front of the studio; both throttles read the client's address through one function.
TRUSTED_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "studio.accounts.throttling.client_address"
AXES_VERBOSE = False
# allauth's own limiter would also lock an e-mail out from *every* address after five failures, which is
# the lock-out-the-victim hole; it keeps only its per-address limit, and django-axes handles the rest.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip"}

# E-mail: printed to the console unless EMAIL_URL (e.g. smtp+tls://user:pass@host:587) is set.
# An empty EMAIL_URL means "not set", as it does for DATABASE_URL and REDIS_URL.
_email = environ.Env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST", ""),
    "port": _email.get("EMAIL_PORT") or 25,
    "username": _email.get("EMAIL_HOST_USER", ""),
    "password": _email.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": bool(_email.get("EMAIL_USE_TLS", False)),
    "use_ssl": bool(_email.get("EMAIL_USE_SSL", False)),
    "timeout": 20,
}
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _smtp_options if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="AITRE Studio <studio@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation: times are stored in UTC and shown in each user's own time zone.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates, times and numbers are formatted for the active language; aitre_site/formats overrides the few
# of Django's formats that read badly in the studio's sentences.
FORMAT_MODULE_PATH = ["aitre_site.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise; media by the configured storage back-end.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT: Path = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
MEDIA_STORAGE: str = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE == "local":
    _media_storage: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    # A private bucket: every object is served through a short-lived signed URL, never publicly.
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 3600,
        },
    }
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'local' or 's3'.")
STORAGES: dict[str, dict[str, Any]] = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": _static_backend},
}

# Gateway API keys are encrypted at rest under their own keys (newest first), not under SECRET_KEY, so that
# rotating one never makes the other unreadable. Generate one with `manage.py generate_encryption_key`.
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off.")
    # Development only: a fixed key, so a laptop database stays readable across restarts.
    FIELD_ENCRYPTION_KEYS = ["ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMDA="]

# The built-in sandbox gateway: a stand-in for a real AITRE gateway, served under /sandbox/. On by default
# in development, off in production unless switched on.
SANDBOX_ENABLED: bool = env.bool("SANDBOX_ENABLED", default=DEBUG)
SANDBOX_BASE_URL: str = env.str("SANDBOX_BASE_URL", default=f"{SITE_URL}/sandbox")

# The generation engine. Polling is driven by each generation's next_poll_at (not the queue's ~30 s
# scheduler): the first check comes soon after the submit, later ones every interval (slower as a task ages).
GENERATION_FIRST_POLL_DELAY: float = env.float("GENERATION_FIRST_POLL_DELAY", default=5.0)
GENERATION_POLL_INTERVAL: float = env.float("GENERATION_POLL_INTERVAL", default=10.0)
POLLER_TICK: float = env.float("POLLER_TICK", default=1.0)
# How long a submit or ingest may run before another process assumes its worker died and takes over, and
# how long a queued task may wait before the poller queues it again (the Redis broker can lose tasks).
GENERATION_SUBMIT_LEASE: float = env.float("GENERATION_SUBMIT_LEASE", default=300.0)
GENERATION_INGEST_LEASE: float = env.float("GENERATION_INGEST_LEASE", default=600.0)
GENERATION_REQUEUE_AFTER: float = env.float("GENERATION_REQUEUE_AFTER", default=60.0)
# When the gateway answers that it is full, the job waits for a free slot: first this many seconds (doubled
# at each refusal, at most 5 minutes, or the gateway's Retry-After), and the team's limit for that family is
# lowered to what the gateway accepted, then raised by one every GENERATION_SLOT_RECOVERY seconds.
GENERATION_SLOT_BACKOFF: float = env.float("GENERATION_SLOT_BACKOFF", default=15.0)
GENERATION_SLOT_RECOVERY: float = env.float("GENERATION_SLOT_RECOVERY", default=300.0)

# Seconds between scheduled refreshes of each team's model list (the Models page can refresh it any time).
CATALOGUE_REFRESH_EVERY: float = env.float("CATALOGUE_REFRESH_EVERY", default=3600.0)
# Results are copied into storage with these caps (bytes) and total deadlines (seconds).
DOWNLOAD_MAX_IMAGE_BYTES: int = env.int("DOWNLOAD_MAX_IMAGE_BYTES", default=50_000_000)
DOWNLOAD_MAX_VIDEO_BYTES: int = env.int("DOWNLOAD_MAX_VIDEO_BYTES", default=500_000_000)
DOWNLOAD_IMAGE_DEADLINE: float = env.float("DOWNLOAD_IMAGE_DEADLINE", default=60.0)
DOWNLOAD_VIDEO_DEADLINE: float = env.float("DOWNLOAD_VIDEO_DEADLINE", default=300.0)
UPLOAD_MAX_BYTES: int = env.int("UPLOAD_MAX_BYTES", default=50_000_000)
IMAGE_MAX_PIXELS: int = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
# Generations moved to the trash can be restored for this many days, then they are deleted for good.
TRASH_RETENTION_DAYS: int = env.int("TRASH_RETENTION_DAYS", default=30)
# A ZIP of a selection up to this size streams at once; a larger one is built in the background.
ZIP_STREAM_MAX_BYTES: int = env.int("ZIP_STREAM_MAX_BYTES", default=200_000_000)
MEDIA_WORK_DIR: Path = Path(env.str("MEDIA_WORK_DIR", default=str(VAR_DIR / "work")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000_000

# Hosts whose private or loopback addresses the studio may still download from (the sandbox's own host).
DOWNLOAD_ALLOWED_PRIVATE_HOSTS: list[str] = env.list(
    "DOWNLOAD_ALLOWED_PRIVATE_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)

# Security headers. In production every cookie is Secure and HTTPS is enforced; behind a TLS-terminating
# proxy set SECURE_PROXY_SSL_HEADER=true so that Django trusts its X-Forwarded-Proto.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (Django's own): scripts only from this site or with the per-request nonce, never
# eval; media from this site (and the signed storage host when S3 is used).
_media_sources = [CSP.SELF, "data:", "blob:"]
if MEDIA_STORAGE == "s3" and env.str("S3_PUBLIC_ORIGIN", default=""):
    _media_sources.append(env.str("S3_PUBLIC_ORIGIN"))
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": _media_sources,
    "media-src": _media_sources,
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Sessions live in the database, so logging out (or a password change) ends a session in every process at
# once. With REDIS_URL the cache is shared by every process, so sessions are also read through it and the
# page's live poll costs no session query; a per-process cache would keep a logged-out session alive.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
