"""Settings: one file; every deployment knob is an environment variable (see README)."""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# Unset, a development key: `dangvien check --deploy` then fails (dangvien.E001).
DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # only for its bundled Swagger UI files at /api/docs (no CDN)
    "django_tasks",  # Django's tasks framework (backport): imports and daily jobs
    "django_tasks_db",  # its database backend: the queue is a table, no broker to run
    "dangvien.core",  # deployment checks; the SQLite file kept private
    "dangvien.reference",
    "dangvien.orgs",
    "dangvien.people",
    "dangvien.membership",
    "dangvien.records",
    "dangvien.stats",  # precomputed counts of the large subtrees (#14)
    "dangvien.accounts",
    "dangvien.admission",
    "dangvien.reports",
    "dangvien.targets",
    "dangvien.demo",
    "dangvien.rules",
    "dangvien.imports",
    "dangvien.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangvien.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dangvien.accounts.scoping.ScopeMemoMiddleware",
    "dangvien.core.memo.RequestMemoMiddleware",
    "dangvien.core.middleware.SessionLifetimeMiddleware",
    "dangvien.core.dbrouter.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangvien.core.middleware.LoginRequiredMiddleware",
    "dangvien.accounts.twofactor.RequireTwoFactorMiddleware",
    "dangvien.core.middleware.SecurityHeadersMiddleware",
    "dangvien.accounts.audit.AuditMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "dangvien.urls"
WSGI_APPLICATION = "dangvien.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangvien.core.views.navigation",
            ],
        },
    },
]

# Default: an SQLite file in the working directory (README: "dangvien.sqlite3").
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or "sqlite:///" + str(Path.cwd() / "dangvien.sqlite3"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # 1 behind PgBouncer in transaction pooling (docs/deployment.md).
        disable_server_side_cursors=env_bool("DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while the one writer writes; IMMEDIATE avoids
        # "database is locked" upgrades in the middle of a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# A streaming replica (docs/deployment.md): report and list pages read from it
# (core.dbrouter), everything else uses the primary. Its test database is the primary's
# (TEST MIRROR): on a real standby it arrives by replication. Under pytest without a
# replica the alias is a second connection to the primary's test database, so the
# routing is exercised on every run.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        disable_server_side_cursors=env_bool("DISABLE_SERVER_SIDE_CURSORS", False),
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable replica costs each health check at most this, then the primary answers.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
elif "pytest" in sys.modules:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
# Parallel query workers per query on PostgreSQL (max_parallel_workers_per_gather),
# sent as a connection startup option. Unset: the server's own setting (2 by default).
# The web server (dangvien/wsgi.py) asks for 0: a page's query then runs on one core,
# which is what a server answering many users at once wants (a parallel plan starts
# worker processes on every request: measured on the 300k country, the people list's
# query took 23 ms with two workers and 5 ms with none). Commands and the background
# worker keep the server's setting for their long scans. Not sent behind PgBouncer
# (DISABLE_SERVER_SIDE_CURSORS=1), which refuses startup options: there, give the role
# `ALTER ROLE dangvien_app SET max_parallel_workers_per_gather = 0` (docs/deployment.md).
PG_PARALLEL_WORKERS = os.environ.get("PG_PARALLEL_WORKERS", "").strip()
if PG_PARALLEL_WORKERS and not (PG_PARALLEL_WORKERS.isdigit() and int(PG_PARALLEL_WORKERS) <= 64):
    raise ImproperlyConfigured(
        f"PG_PARALLEL_WORKERS={PG_PARALLEL_WORKERS!r}: cần một số nguyên từ 0 đến 64"
    )
if PG_PARALLEL_WORKERS and not env_bool("DISABLE_SERVER_SIDE_CURSORS", False):
    for _alias in DATABASES.values():
        if _alias["ENGINE"] == "django.db.backends.postgresql":
            _options = _alias.setdefault("OPTIONS", {})
            _options["options"] = (
                f"{_options.get('options', '')} "
                f"-c max_parallel_workers_per_gather={int(PG_PARALLEL_WORKERS)}"
            ).strip()
DATABASE_ROUTERS = ["dangvien.core.dbrouter.ReplicaRouter"]
# Off: every read from the primary, the replica configured or not (a switch for operators).
REPLICA_READS = env_bool("REPLICA_READS", True)
# After a write, that user's reads come from the primary for this long (read-your-writes).
# The figures cached until the rows change (`dangvien.stats.fresh`): in a table of the
# database by default, so that every web worker (and every server) shares what one of
# them computed; CACHE=memory keeps them in each process instead (one server, one
# worker, or a test).
CACHE_TABLE = "dangvien_cache"
CACHES: dict[str, dict[str, object]]
if os.environ.get("CACHE", "database") == "memory":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Stale entries (an older version) are culled, a third at a time, past this.
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
        }
    }

REPLICA_STICKY_SECONDS = float(os.environ.get("REPLICA_STICKY_SECONDS", "10"))
# A replica further behind than this (pg_last_xact_replay_timestamp) is not read from;
# its health is checked at most every REPLICA_CHECK_SECONDS in each process.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify, and are upgraded to Argon2 at the next login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ASVS V2.1 (docs/security.md): 12 characters at least, not only spaces, not listed as
# common or leaked, not the demo's published password outside the demo.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "dangvien.accounts.passwords.SimilarityValidator"},
    {"NAME": "dangvien.accounts.passwords.LengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "dangvien.accounts.passwords.BlankValidator"},
    {"NAME": "dangvien.accounts.passwords.CommonValidator"},
    {"NAME": "dangvien.accounts.passwords.NumericValidator"},
    {"NAME": "dangvien.accounts.passwords.DemoPasswordValidator"},
]
# True only inside `dangvien demo` (it sets it): the demo's password is accepted there.
DEMO = False

# Lockout (django-axes): 5 failures lock that user name, and separately that address,
# for LOCKOUT_HOURS; an administrator unlocks earlier (admin "Access attempts", or
# `dangvien axes_reset_username NAME` / `axes_reset_ip ADDRESS`).
# Administrators and organisation-board officers must pass a TOTP code at each login.
# Only the local demo turns this off (`make demo`); never in production.
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", True)
OTP_TOTP_ISSUER = "dangvien"

AXES_FAILURE_LIMIT = int(os.environ.get("LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOCKOUT_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# The lockout counts failures by the same client address as the audit records:
# X-Forwarded-For only with BEHIND_PROXY=1, and only as far as TRUSTED_PROXIES go.
AXES_CLIENT_IP_CALLABLE = "dangvien.accounts.audit.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["dangvien.formats"]

STATIC_URL = "static/"
# Production: set STATIC_ROOT and run `dangvien collectstatic`; unset, files come from the apps.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (demo, tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions end after SESSION_TIMEOUT_MINUTES without a request, with the browser, and
# SESSION_MAX_HOURS after the login however active (core.middleware.SessionLifetime).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_TIMEOUT_MINUTES", "30")) * 60
SESSION_MAX_HOURS = float(os.environ.get("SESSION_MAX_HOURS", "12"))
# The idle timeout slides with use, but a session is written back at most once a minute
# (core.middleware.SessionLifetimeMiddleware, SESSION_TOUCH_SECONDS), not on every
# request: a write and a commit per page otherwise (the load test's pages all did one).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# HTTPS=1 in production behind TLS: secure cookies, HSTS, redirect to https.
HTTPS = env_bool("HTTPS", env_bool("SECURE_COOKIES", False))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# BEHIND_PROXY=1 behind a reverse proxy (nginx) that sets X-Forwarded-Proto and appends
# to X-Forwarded-For; TRUSTED_PROXIES: how many proxies in a row append to it (1: the
# address the last proxy saw is the client's). Without it the header is ignored.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1"))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Background jobs (imports from the upload page, the daily alerts) are tasks of Django's
# tasks framework. The default backend keeps the queue in the database (SQLite or
# PostgreSQL, no other server); a `dangvien worker` process takes the tasks one by one, so
# a task outlives a restart of the web server. TASKS_BACKEND may name another backend
# class, e.g. django_tasks.backends.immediate.ImmediateBackend to run each task inside the
# request that enqueues it (no worker: only for a one-person trial; the tests use it).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Imports from the upload page: files wait here (personal data: removed once written or
# cancelled); checking and writing are tasks (above) while the page shows progress.
IMPORT_DIR = Path(os.environ.get("IMPORT_DIR") or Path.cwd() / "imports")
IMPORT_MAX_MB = int(os.environ.get("IMPORT_MAX_MB", "50"))
# Report downloads (XLSX, PDF, DOCX) of a subtree of more than EXPORT_TASK_MEMBERS
# members today are made by the worker (0: all of them); the files wait here for their
# asker (reports.export_tasks).
EXPORT_DIR = Path(os.environ.get("EXPORT_DIR") or Path.cwd() / "exports")
EXPORT_TASK_MEMBERS = int(os.environ.get("EXPORT_TASK_MEMBERS", "20000"))
# `dangvien backup` without a file name writes here (0700; each backup 0600).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or Path.cwd() / "backups")
# Decompression bombs: a workbook is refused before parsing when it would expand past
# IMPORT_MAX_UNCOMPRESSED_MB or more than IMPORT_MAX_RATIO times its size; reading stops
# at IMPORT_MAX_ROWS rows. At most IMPORT_MAX_CONCURRENT imports check or write at once
# (one per user); a run whose heartbeat is older than IMPORT_STALE_MINUTES is crashed.
IMPORT_MAX_UNCOMPRESSED_MB = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_MB", "200"))
IMPORT_MAX_RATIO = int(os.environ.get("IMPORT_MAX_RATIO", "100"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "300000"))
IMPORT_MAX_CONCURRENT = int(os.environ.get("IMPORT_MAX_CONCURRENT", "2"))
IMPORT_STALE_MINUTES = int(os.environ.get("IMPORT_STALE_MINUTES", "5"))
