"""Settings for the CMARAC case manager, read from the environment.

Every value that differs between a laptop and production comes from an
environment variable; the README's configuration table lists them all.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab

from cmarac.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105 (never with DEBUG off)
# With DEBUG off and no key (or the development one), SECRET_KEY is empty: the web server and the
# Celery worker and beat refuse to start (cmarac.env.refuse_to_start_without_a_secret_key), and
# anything else that uses the key fails (Django checks it on first use). Management commands that
# never use it, such as makemigrations or collectstatic, still run.
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    SECRET_KEY = ""

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

SERVICE_NAME = "CMARAC case manager"
PARTNERSHIP_NAME = env_str("PARTNERSHIP_NAME", "Demo Borough Community MARAC")
PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "guardian",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "cmarac.accounts",
    "cmarac.cases",
    "cmarac.audit",
    "cmarac.core",
    "cmarac.governance",
    "cmarac.outbox",
    "referrals",
    "meetings",
    "actions",
    "cmarac.reports",  # the partnership report: reads every app, so above them all
    "cmarac.web",  # the home page, navigation and demo data: above every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so static files get Permissions-Policy but never no-store.
    "cmarac.core.middleware.security_headers",
    "csp.middleware.CSPMiddleware",
    "cmarac.core.middleware.refuse_nul_characters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication, before the sign-in redirect: the absolute lifetime, and why a session ended.
    "cmarac.accounts.sessions.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After sign-in, every page waits for the second factor (cmarac/accounts/second_factor_middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "cmarac.accounts.second_factor_middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cmarac.core.middleware.AuditlogMiddleware",
    # Axes must be last: it turns lockouts into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

# Benchmark mode (`manage.py bench` sets it for the gunicorn it starts on a scratch database): every
# response carries its server time and query count, and the reference page is served. Never in
# production.
BENCH = env_bool("BENCH", default=False)
if BENCH:
    MIDDLEWARE.insert(0, "cmarac.web.bench.middleware.bench_timing")

ROOT_URLCONF = "cmarac.urls"
WSGI_APPLICATION = "cmarac.wsgi.application"

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
                "cmarac.web.context_processors.service",
                "cmarac.accounts.sessions.session_timeout",
            ],
            # Dates and times written one way everywhere: {{ day|govuk_date }}, {{ moment|govuk_time }}.
            "builtins": ["cmarac.core.templatetags.govuk_dates"],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cmarac.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ------------------------------------------------

REDIS_URL = env_str("REDIS_URL", "")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker configured: tasks run inline, in the web process, when queued. The cache is a
    # table every process and machine shares (made by migrate, cmarac/core/migrations/0001), never
    # one process's memory (ADR 0038).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cmarac_cache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TIMEZONE = "Europe/London"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead broker must cost the web request a refused or timed-out connection, not seconds of
# retries: the outbox publishes once (retry=False, no result kept) and the relay tries again.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "generate-meeting-schedule": {"task": "meetings.generate_schedule", "schedule": timedelta(hours=24)},
    "action-reminders": {"task": "actions.send_reminders", "schedule": crontab(hour=7, minute=30)},
    "remove-expired-packs": {"task": "meetings.remove_expired_packs", "schedule": timedelta(hours=1)},
    # Seals are added here, off the request path; SEALING_GRACE in cmarac/audit/chain.py is the window.
    "seal-audit-trail": {"task": "audit.seal", "schedule": timedelta(minutes=1)},
    "verify-audit-trail": {"task": "audit.verify", "schedule": crontab(hour=6, minute=0)},
    "relay-outbox": {"task": "outbox.relay", "schedule": timedelta(minutes=1)},
    "sweep-stale-packs": {"task": "meetings.sweep_stale_packs", "schedule": timedelta(minutes=5)},
    "remove-expired-subject-access-exports": {
        "task": "governance.remove_expired_subject_access_exports",
        "schedule": timedelta(hours=1),
    },
    "notify-lapsed-sharing-agreements": {
        "task": "governance.notify_lapsed_sharing_agreements",
        "schedule": crontab(hour=7, minute=45),
    },
    "apply-retention": {"task": "governance.apply_retention", "schedule": crontab(hour=2, minute=15)},
    "clear-expired-sessions": {"task": "accounts.clear_expired_sessions", "schedule": crontab(hour=3, minute=0)},
}

# --- Outbox (ADR 0015) ----------------------------------------------------------
# Work that follows a saved change (emails, packs) is stored with the change and handed to Celery
# on commit; the relay (beat, or manage.py relay_outbox) hands over again what is due.
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 30)  # first wait after a failure, doubling
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
# Handed over but not done after this long (a lost broker message, a killed worker): hand over again.
OUTBOX_REDELIVER_AFTER_SECONDS = env_int("OUTBOX_REDELIVER_AFTER_SECONDS", 900)
# /healthz counts the messages unsent for longer than this.
OUTBOX_BACKLOG_MINUTES = env_int("OUTBOX_BACKLOG_MINUTES", 15)
# Tasks the relay command also runs, inline, each time (named: cmarac imports no app above it).
# Sealing the audit trail is one, so a host without beat seals as often as it relays.
OUTBOX_RELAY_SWEEPERS = ["meetings.sweep_stale_packs", "audit.seal"]

# --- Accounts and sign-in ---------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses sign-in while an email address and IP are locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in person with their agency in one query.
    "cmarac.accounts.backends.AccountBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("full_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reset links work once, and for this long (also until the person signs in or changes password).
PASSWORD_RESET_TIMEOUT = max(1, env_int("PASSWORD_RESET_LINK_MINUTES", 60)) * 60
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Database sessions that carry the signed-in person's id, so their sessions end in one query.
SESSION_ENGINE = "cmarac.accounts.session_store"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last request
# However busy, a session ends this long after signing in (cmarac.accounts.sessions).
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Failed sign-ins are counted per email address (normalised, from any IP) and per IP (across
# addresses, against password spraying, with a larger limit); reaching either locks out
# (cmarac/accounts/lockout.py). Password reset requests count against the IP too.
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5)
SIGN_IN_IP_FAILURE_LIMIT = max(1, env_int("SIGN_IN_IP_FAILURE_LIMIT", 30))
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGN_IN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "cmarac.accounts.lockout.SignInAttemptsHandler"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form field holding the email address
AXES_USERNAME_CALLABLE = "cmarac.accounts.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "cmarac.core.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Second factor (ADR 0013) ---------------------------------------------------
# Authenticator apps (TOTP), single-use recovery codes and passkeys (WebAuthn), through django-otp.
OTP_TOTP_ISSUER = SERVICE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1  # after n failures in a row, wait 2^(n-1) seconds before the next try
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SECOND_FACTOR_RECOVERY_CODES = 10
# Passkeys are a second factor only: a passkey never replaces the password.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# Browsers offer passkeys on HTTPS sites and on http://localhost only (never on an IP address), so a
# plain-HTTP SITE_URL (development) gets localhost on the same port.
_site = urlsplit(SITE_URL)
_local_origin = f"http://localhost{f':{_site.port}' if _site.port else ''}"
OTP_WEBAUTHN_RP_ID = env_str("OTP_WEBAUTHN_RP_ID", _site.hostname if _site.scheme == "https" else "localhost")
OTP_WEBAUTHN_RP_NAME = env_str("OTP_WEBAUTHN_RP_NAME", SERVICE_NAME)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS", [SITE_URL] if _site.scheme == "https" else [_local_origin]
)
# The exception logger writes library tracebacks only, never a person's details.
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "django_otp_webauthn"

# No anonymous user with object permissions: a signed-out visitor sees nothing.
ANONYMOUS_USER_NAME = None

# --- Audit ------------------------------------------------------------------

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False  # the address comes from cmarac.core.client_ip (our middleware)

# How many proxies of our own sit in front of the application, each appending to X-Forwarded-For.
# 0 (the default): the header is ignored, and the address is the connection's. Only ever the
# number of proxies that always append: more lets anyone choose the address the trail records.
TRUSTED_PROXY_COUNT = max(0, env_int("TRUSTED_PROXY_COUNT", 0))

# --- Email ------------------------------------------------------------------

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cmarac@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("moj", BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend" / "moj"),
    ("build", BASE_DIR / "frontend" / "build"),
    BASE_DIR / "frontend" / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or BENCH  # the benchmark serves pages, not static files: no collectstatic needed
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script and stylesheet is a file of our own: no inline script, style or event handler, so
# nothing injected into a page can run (docs/adr/0018-headers-and-sessions.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The second factor's QR code is an SVG in a data: address, made on the server.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the service never uses, switched off for every page (Permissions-Policy).
# Not publickey-credentials-*: security keys and passkeys may be used to sign in.
PERMISSIONS_POLICY_FEATURES = [
    "accelerometer",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------
# Log lines carry ids and references only, never names or contact details.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Refusals (403, 400) are one line each, without Django's traceback.
    "filters": {"one_line_refusals": {"()": "cmarac.core.log_filters.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["one_line_refusals"]},
        # Axes writes the attempted email address into its messages.
        "axes": {"level": "ERROR"},
        # WeasyPrint logs every page it lays out.
        "weasyprint": {"level": "WARNING"},
    },
}

# --- Meetings ---------------------------------------------------------------
# The panel's monthly rule: default the second Thursday at 10:00 (Monday is 0).
MEETING_WEEKDAY = env_int("MEETING_WEEKDAY", 3)
MEETING_WEEK_OF_MONTH = env_int("MEETING_WEEK_OF_MONTH", 2)
MEETING_TIME = env_str("MEETING_TIME", "10:00")
REFERRAL_DEADLINE_DAYS = env_int("REFERRAL_DEADLINE_DAYS", 10)

# --- Actions ------------------------------------------------------------------
# Digests list actions due within this many days, and actions overdue; actions overdue
# for longer than the escalation period are also sent to the co-chairs.
ACTION_DUE_SOON_DAYS = env_int("ACTION_DUE_SOON_DAYS", 7)
ACTION_ESCALATION_DAYS = env_int("ACTION_ESCALATION_DAYS", 14)

# --- Meeting packs ------------------------------------------------------------
# Generated PDFs live here, outside STATIC_ROOT and any media URL; only the person a
# pack was made for can download it, through the app.
PRIVATE_FILES_DIR = Path(env_str("PRIVATE_FILES_DIR", str(VAR_DIR / "private")))
# Where generated files are kept, reached by every web and worker machine (ADR 0038,
# cmarac/core/files.py): "database" (default, nothing to set up), "folder" (PRIVATE_FILES_DIR,
# one shared folder mounted on every machine) or "s3" (a private S3-compatible bucket through
# django-storages; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the machine's
# role, read by boto3, never settings). Never served by URL: downloads go through the views.
PRIVATE_FILES_STORAGE = env_str("PRIVATE_FILES_STORAGE", "database").strip().lower()
if PRIVATE_FILES_STORAGE == "database":
    STORAGES["private"] = {"BACKEND": "cmarac.core.files.DatabaseStorage"}
elif PRIVATE_FILES_STORAGE == "folder":
    STORAGES["private"] = {"BACKEND": "cmarac.core.files.PrivateFolderStorage"}
elif PRIVATE_FILES_STORAGE == "s3":
    _s3_options: dict[str, object] = {
        "bucket_name": env_str("PRIVATE_FILES_S3_BUCKET", ""),
        "location": env_str("PRIVATE_FILES_S3_PREFIX", "cmarac-private"),
        "default_acl": "private",
        "querystring_auth": True,  # no public URL could work (and the service makes none)
        "file_overwrite": False,
    }
    if not _s3_options["bucket_name"]:
        raise ValueError("PRIVATE_FILES_STORAGE=s3 needs PRIVATE_FILES_S3_BUCKET")
    for _option, _variable in (
        ("endpoint_url", "PRIVATE_FILES_S3_ENDPOINT_URL"),
        ("region_name", "PRIVATE_FILES_S3_REGION"),
        ("addressing_style", "PRIVATE_FILES_S3_ADDRESSING_STYLE"),
    ):
        if env_str(_variable, ""):
            _s3_options[_option] = env_str(_variable, "")
    if env_bool("PRIVATE_FILES_S3_ENCRYPT", default=True):
        _s3_options["object_parameters"] = {"ServerSideEncryption": "AES256"}
    STORAGES["private"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    raise ValueError(f"PRIVATE_FILES_STORAGE must be database, folder or s3, not {PRIVATE_FILES_STORAGE!r}")
PACK_RETENTION_DAYS = env_int("PACK_RETENTION_DAYS", 7)
# How many processes lay out one pack at once (meetings/printing.py); 1 lays it out in the worker alone.
PACK_RENDER_PROCESSES = max(1, env_int("PACK_RENDER_PROCESSES", min(os.cpu_count() or 1, 4)))
# A meeting's packs for everyone are made by tasks of at most this many packs each (ADR 0037), so
# that a large meeting's batch stays well inside one build's time limit (meetings/tasks.py).
PACK_BATCH_SIZE = max(1, env_int("PACK_BATCH_SIZE", 15))
CELERY_TASK_ROUTES = {
    "meetings.build_pack": {"queue": "packs"},
    "meetings.build_packs": {"queue": "packs"},
    "governance.build_subject_access_export": {"queue": "packs"},
}
# A pack worker killed mid-build leaves its message unacknowledged, so another worker builds it;
# the pack worker takes one message at a time (run it with --prefetch-multiplier=1 -Q packs).
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1)
# Queued or being made for longer than the build's time limit and this margin: marked failed, so
# the person can ask again (meetings.sweep_stale_packs).
PACK_STALE_MARGIN_SECONDS = env_int("PACK_STALE_MARGIN_SECONDS", 600)

# --- Subject access -------------------------------------------------------------
# The roles given the duty of answering subject access requests: only they search people across
# every case and make exports (docs/adr/0012). Exports are deleted after this many days.
SUBJECT_ACCESS_ROLES = env_list("SUBJECT_ACCESS_ROLES", ["auditor"])
SUBJECT_ACCESS_RETENTION_DAYS = env_int("SUBJECT_ACCESS_RETENTION_DAYS", PACK_RETENTION_DAYS)

# --- Retention -----------------------------------------------------------------
# Set by the partnership (README, "For the data protection officer: retention"). Closed cases
# are anonymised, declined referrals and unsent drafts deleted, when their period ends, unless
# held; the daily job takes cases in batches of RETENTION_BATCH_SIZE.
RETENTION_CLOSED_CASE_YEARS = env_int("RETENTION_CLOSED_CASE_YEARS", 6)
RETENTION_DECLINED_REFERRAL_DAYS = env_int("RETENTION_DECLINED_REFERRAL_DAYS", 365)
RETENTION_DRAFT_DAYS = env_int("RETENTION_DRAFT_DAYS", 90)
RETENTION_AUDIT_YEARS = env_int("RETENTION_AUDIT_YEARS", 7)
RETENTION_BATCH_SIZE = max(1, env_int("RETENTION_BATCH_SIZE", 100))

# --- Demo data --------------------------------------------------------------
# seed_demo creates accounts with a shared, published password: never in production.
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", default=DEBUG)
DEMO_PASSWORD = "cmarac-demo-password"  # noqa: S105 (published on purpose, demo only)
# The authenticator-app key every demo account has (base32, as apps take it), published in the README.
DEMO_TOTP_SECRET = "CMARACDEMOSECRETCMARACDEMOSECRET"  # noqa: S105 (published on purpose, demo only)

# In development whitenoise serves straight from the finders; production serves the collected files.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
