"""Settings, read from the environment (django-environ).

DEBUG is off unless ``DJANGO_DEBUG=1`` wherever a ``DATABASE_URL`` is set (the Makefile's development
targets — ``make demo``, ``make run``, ``make test``… — set it on; ``make serve`` and ``make up`` set
it off). With DEBUG off, a ``DJANGO_SECRET_KEY`` is required (refuses to start without one).
Embedded default — nothing set: DEBUG on, SQLite file ``db.sqlite3``, Celery tasks run eagerly,
e-mails written as files, so a newcomer's first command just works. Production/CI — ``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis) and a
``DJANGO_SECRET_KEY``. See ``.env.example`` for every variable, and the README's "Running as in
production" for gunicorn, whitenoise, ``/health/``, JSON logs and error reporting.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from cso_recruit.logs import default_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless set — except in the embedded default (no DATABASE_URL: the newcomer's SQLite file), so
# that a first `manage.py` command with nothing set just works. Any configured deployment (a
# DATABASE_URL) runs with DEBUG off unless DJANGO_DEBUG=1.
DEBUG = env.bool("DJANGO_DEBUG", default=not env.str("DATABASE_URL", default=""))
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if not DEBUG else _DEV_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production). "
        "For development, set DJANGO_DEBUG=1 (make demo, make run and make test do)."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_guid",
    "health_check",
    "candidates",
    "assessments",
    "sessions.apps.WorkingSessionsConfig",
    "figures",
    "decisions",
    "reports",
    "outbox",
    "privacy",
    "audit",
    "offers",
    "onboarding",
    "accounts",
    "csp",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",  # first: every later line of the request has its id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise (static files keep their far-future cache headers): "private, no-store" on
    # every response to a signed-in user, every download and every secret-link page.
    "cso_recruit.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cso_recruit.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sign-in (accounts/middleware.py): idle timeout and absolute lifetime, then the second factor.
    "accounts.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "outbox.middleware.OutboxNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cso_recruit.urls"

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
                "cso_recruit.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "cso_recruit.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default: writers take the lock when their transaction starts and wait for each
    # other (up to 20 s) instead of failing with "database is locked" under simultaneous requests.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DATABASES["default"].setdefault("TEST", {})
# Persistent connections (seconds; 0 closes them after each request), checked before reuse. Default:
# 60 with DEBUG off, 0 in the embedded default; DJANGO_CONN_MAX_AGE, else ?conn_max_age= in the URL.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DJANGO_CONN_MAX_AGE", default=DATABASES["default"].get("CONN_MAX_AGE", 0 if DEBUG else 60)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "accounts.throttle.ThrottledLoginBackend",  # axes' lock, passed by password + second factor
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "candidates:mandate_list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, accounts/throttle.py), two counters over AXES_COOLOFF_TIME (15 min):
# AXES_FAILURE_LIMIT failures for one username from any address lock that account;
# LOGIN_IP_FAILURE_LIMIT failures from one client address (cso_recruit/clientip.py) over any usernames
# lock that address. Since anyone can lock an account by failing on purpose, the account lock is
# passed by its owner: the right password together with a valid second-factor code (the lock page asks
# for both at once), or the password-reset e-mail, which signs them in. The address lock has no bypass.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_HANDLER = "accounts.throttle.ThrottlingHandler"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
if AXES_FAILURE_LIMIT < 1 or LOGIN_IP_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_IP_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT (>= 1).")

# Second factor (django-otp, TOTP + backup codes; accounts/policy.py): required for staff and for every
# CEO of a mandate, optional for the others; once enrolled, asked at every login.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CSO Recruit")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a user's TOTP secret

# Sessions: signed out after SESSION_IDLE_TIMEOUT seconds without a request (default 8 h) and
# SESSION_COOKIE_AGE seconds after the login whatever the activity (default 24 h: one working day; Django's
# own expiry slides, so accounts/middleware.py keeps the absolute lifetime from the login's time).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 3600)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=24 * 3600)
if not 60 <= SESSION_IDLE_TIMEOUT <= SESSION_COOKIE_AGE:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT must be between 60 s and SESSION_COOKIE_AGE.")

# Password reset by e-mail (accounts/views.py): the link is valid PASSWORD_RESET_TIMEOUT seconds (1 h);
# at most PASSWORD_RESET_MAX_PER_HOUR e-mails an hour to one account.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
PASSWORD_RESET_MAX_PER_HOUR = env.int("PASSWORD_RESET_MAX_PER_HOUR", default=3)
# ... and at most PASSWORD_RESET_MAX_PER_CLIENT_PER_HOUR requests an hour from one client address.
PASSWORD_RESET_MAX_PER_CLIENT_PER_HOUR = env.int("PASSWORD_RESET_MAX_PER_CLIENT_PER_HOUR", default=10)

# Reverse proxies in front of the app (cso_recruit/clientip.py): X-Forwarded-For is read only
# when one is configured; by default the socket's address is the client's.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_IPS = env.list("DJANGO_TRUSTED_PROXY_IPS", default=[])
AXES_CLIENT_IP_CALLABLE = "cso_recruit.clientip.client_ip"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = env.list("DJANGO_LOCALE_PATHS", default=[str(BASE_DIR / "locale")])
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Bootstrap comes from the npm package (package.json), never from a CDN.
if (BASE_DIR / "node_modules" / "bootstrap" / "dist").exists():
    STATICFILES_DIRS.append(("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"))
# SortableJS (the pipeline board's drag-and-drop) likewise, from its npm package.
if (BASE_DIR / "node_modules" / "sortablejs").exists():
    STATICFILES_DIRS.append(("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"))
# DEBUG off (production, `make serve`): `collectstatic` writes hashed names and .gz variants
# (whitenoise, see cso_recruit/storage.py) and whitenoise serves them from STATIC_ROOT with far-future
# cache headers. DEBUG on (embedded default, tests): plain names, found in place by the finders, no
# collectstatic needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "cso_recruit.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Source maps (6 of Bootstrap's 8 MB) are for the browser's developer tools: not worth compressing.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-not-public/"  # files are served only through access-checked views

# Uploads: CVs are capped at 5 MB by the form; Django refuses larger request bodies early.
CV_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Embedded default: e-mails (invitations with .ics, reminders, candidate debrief links) are
# written as files under var/mail/ so they can be read without a mail server.
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.path("DJANGO_EMAIL_FILE_PATH", default=BASE_DIR / "var" / "mail")
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
# Seconds before an SMTP connection or command gives up (Django's default is to wait forever).
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="CSO Recruit <no-reply@example.org>")

# Celery. No broker configured → tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
# Redis brokers go through kombu's Redis transport with one reconnection fault fixed (a worker
# holding an unacknowledged task exits instead of reconnecting when Redis drops): cso_recruit/broker.py.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "cso_recruit.broker:Transport"

# Periodic tasks (make beat): session reminders read due sessions from the database.
CELERY_BEAT_SCHEDULE = {
    "session-reminders": {"task": "sessions.tasks.send_due_reminders", "schedule": 15 * 60},
    # What a participant owes after a session (sessions/todo.py): a debrief or an observation is
    # overdue SESSIONS_OVERDUE_AFTER_HOURS after the session ended (default 24); each overdue
    # reminder goes once, read from the database (checked every SESSIONS_OVERDUE_EVERY seconds,
    # default 15 min); recruiters get a daily digest at 8:00.
    "overdue-reminders": {
        "task": "sessions.tasks.send_overdue_reminders",
        "schedule": env.int("SESSIONS_OVERDUE_EVERY", default=15 * 60),
    },
    "recruiter-digest": {
        "task": "sessions.tasks.send_recruiter_digests",
        "schedule": crontab(hour=8, minute=0),
    },
    # Stored figures and mandate statistics left stale by a task that could not be sent.
    "figures-sweep": {"task": "figures.tasks.refresh_stale_figures", "schedule": 5 * 60},
}
SESSIONS_OVERDUE_AFTER_HOURS = env.int("SESSIONS_OVERDUE_AFTER_HOURS", default=24)
CELERY_TASK_ROUTES = {"reports.tasks.*": {"queue": "reports"}}
# PDF rendering (reports): WeasyPrint's caches grow in long-lived processes, so worker children are
# recycled; a render is stopped after the soft limit (report marked failed), killed at the hard one,
# and a report pending longer than REPORT_STALE_AFTER seconds may be retried from its page.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
REPORT_RENDER_SOFT_TIME_LIMIT = env.int("REPORT_RENDER_SOFT_TIME_LIMIT", default=120)
REPORT_RENDER_TIME_LIMIT = env.int("REPORT_RENDER_TIME_LIMIT", default=150)
REPORT_STALE_AFTER = env.int("REPORT_STALE_AFTER", default=600)

#: Written in the reports' embedded README (what produced the file).
PRODUCT_VERSION = "0.1.0"

# Absolute address of the site, for links in e-mails (candidate debrief link).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

SESSION_COOKIE_HTTPONLY = True
# The language cookie (switcher, profile): never read by JavaScript, Secure with DEBUG off (below).
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and forms; no
# inline script or style attribute anywhere (templates keep them in static/css and static/js). The
# one inline style element allowed is a server-made SVG chart's, with the request's nonce
# (``page_chart`` filter); ``data:`` images are Bootstrap's icons (CSS). The admin works under the
# same policy (Django's admin has no inline script). No frames: frame-ancestors 'none' (as
# X-Frame-Options DENY).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs (cso_recruit/logs.py): one JSON object a line (DEBUG off) or readable lines (DEBUG on), or as
# DJANGO_LOG_FORMAT says; each with the request id (django-guid, X-Request-ID header) and, in a
# Celery task, the task's id. The worker and beat use this configuration too.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default=default_format(debug=DEBUG))
try:
    LOGGING = logging_config(fmt=LOG_FORMAT, level=env.str("DJANGO_LOG_LEVEL", default="WARNING"))
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from error
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
}

# Error reporting (sentry-sdk), only when SENTRY_DSN is set; no personal data is sent (candidates'
# names, e-mails and CVs stay out of the events), and tracing is off unless a rate is given.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=f"cso-recruit@{PRODUCT_VERSION}",
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )

# Outbox (outbox.services): e-mails and task requests are rows written with the change that causes
# them, dispatched on commit; what is still pending OUTBOX_RETRY_AFTER seconds later is sent by the
# sweeper (beat, every minute). An e-mail is tried OUTBOX_EMAIL_MAX_ATTEMPTS times (backoff 1, 2,
# 4 … min, at most 1 h) before it is marked failed. A report whose render is interrupted
# REPORT_MAX_INTERRUPTIONS times (a worker killed mid-render, the hard time limit) fails.
OUTBOX_RETRY_AFTER = env.int("OUTBOX_RETRY_AFTER", default=60)
# Sent or failed task requests are deleted after OUTBOX_TASK_KEEP_DAYS days (outbox_sweep).
OUTBOX_TASK_KEEP_DAYS = env.int("OUTBOX_TASK_KEEP_DAYS", default=7)
# Embedded default (no broker): tasks run in a background thread of the web process, so that a
# report request or an import answers at once and its page shows the progress (tests run them
# inline: tests/conftest.py).
OUTBOX_EAGER_IN_BACKGROUND = env.bool("OUTBOX_EAGER_IN_BACKGROUND", default=CELERY_TASK_ALWAYS_EAGER)
OUTBOX_EMAIL_MAX_ATTEMPTS = env.int("OUTBOX_EMAIL_MAX_ATTEMPTS", default=8)
REPORT_MAX_INTERRUPTIONS = env.int("REPORT_MAX_INTERRUPTIONS", default=3)
# Start kits (onboarding/): each due 30- and 90-day check-in is reminded once to the CEO and the CSO,
# read from the database every ONBOARDING_CHECK_IN_EVERY seconds (default 1 h).
CELERY_BEAT_SCHEDULE["check-in-reminders"] = {
    "task": "onboarding.tasks.send_check_in_reminders",
    "schedule": env.int("ONBOARDING_CHECK_IN_EVERY", default=3600),
}
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {"task": "outbox.tasks.sweep_outbox", "schedule": 60}
CELERY_BEAT_SCHEDULE["reports-sweep"] = {"task": "reports.tasks.sweep_stale_reports", "schedule": 60}
CELERY_BEAT_SCHEDULE["imports-sweep"] = {"task": "candidates.tasks.sweep_import_jobs", "schedule": 5 * 60}
# CSV imports: a job still queued after IMPORT_RESEND_AFTER seconds is requested again; the
# uploaded file of a preview never confirmed (or of a failed job) is deleted after
# IMPORT_FILE_RETENTION_DAYS days (a save deletes its file at once).
IMPORT_RESEND_AFTER = env.int("IMPORT_RESEND_AFTER", default=600)
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=7)
# CSV exports: a job still queued after EXPORT_RESEND_AFTER seconds is requested again; an export
# file (personal data) is deleted EXPORT_FILE_RETENTION_HOURS hours after it was written.
CELERY_BEAT_SCHEDULE["exports-sweep"] = {"task": "candidates.tasks.sweep_export_jobs", "schedule": 5 * 60}
EXPORT_RESEND_AFTER = env.int("EXPORT_RESEND_AFTER", default=600)
EXPORT_FILE_RETENTION_HOURS = env.int("EXPORT_FILE_RETENTION_HOURS", default=24)
# A publish that cannot reach the broker fails fast (the outbox keeps the work) instead of
# holding the user's request: 2 s to connect, 5 s for any answer (a broker that accepts and then
# hangs would otherwise hold every request that sends a task, and the worker). The read timeout
# stays above the Redis transport's 1 s blocking poll.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": env.float("CELERY_BROKER_SOCKET_CONNECT_TIMEOUT", default=2.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
}

# Retention of candidates' data (privacy app; CNIL, "Référentiel relatif aux traitements de données
# à caractère personnel mis en œuvre aux fins de gestion du recrutement", 2023; GDPR art. 5(1)(e)):
# a candidate whose applications are all closed (hired, rejected, withdrawn) is anonymised
# PRIVACY_RETENTION_MONTHS_TALENT_POOL months after the last closure when they consented to be
# kept in the talent pool (CNIL: at most 2 years after the last contact), otherwise
# PRIVACY_RETENTION_MONTHS_NO_CONSENT months after it (the time to answer a dispute of the
# decision); a hired candidate leaves the recruitment data set under the same rule (their
# employee file lives elsewhere). The mandate's recruiters are warned by e-mail
# PRIVACY_RETENTION_WARNING_DAYS days before, once, and the anonymisation never comes sooner than
# that many days after the warning. privacy.tasks.apply_retention applies it (beat, every
# PRIVACY_RETENTION_EVERY seconds; default 6 h).
PRIVACY_RETENTION_MONTHS_TALENT_POOL = env.int("PRIVACY_RETENTION_MONTHS_TALENT_POOL", default=24)
PRIVACY_RETENTION_MONTHS_NO_CONSENT = env.int("PRIVACY_RETENTION_MONTHS_NO_CONSENT", default=3)
PRIVACY_RETENTION_WARNING_DAYS = env.int("PRIVACY_RETENTION_WARNING_DAYS", default=30)
PRIVACY_RETENTION_EVERY = env.int("PRIVACY_RETENTION_EVERY", default=6 * 3600)
for _name in ("PRIVACY_RETENTION_MONTHS_TALENT_POOL", "PRIVACY_RETENTION_MONTHS_NO_CONSENT"):
    if not 1 <= globals()[_name] <= 120:
        raise ImproperlyConfigured(f"{_name} must be a number of months between 1 and 120.")
if not 0 <= PRIVACY_RETENTION_WARNING_DAYS <= 365:
    raise ImproperlyConfigured("PRIVACY_RETENTION_WARNING_DAYS must be between 0 and 365 days.")
if PRIVACY_RETENTION_EVERY < 60:
    raise ImproperlyConfigured("PRIVACY_RETENTION_EVERY must be at least 60 seconds.")
CELERY_BEAT_SCHEDULE["privacy-retention"] = {
    "task": "privacy.tasks.apply_retention",
    "schedule": PRIVACY_RETENTION_EVERY,
}

# Access exports (audit app; GDPR art. 15 and 20): the ZIP of everything held about a candidate is
# deleted ACCESS_EXPORT_FILE_RETENTION_HOURS hours after it was written (the time to hand it to the
# person); a job still queued after EXPORT_RESEND_AFTER seconds is requested again.
ACCESS_EXPORT_FILE_RETENTION_HOURS = env.int("ACCESS_EXPORT_FILE_RETENTION_HOURS", default=72)
CELERY_BEAT_SCHEDULE["access-exports-sweep"] = {
    "task": "audit.tasks.sweep_access_exports",
    "schedule": 5 * 60,
}
# The other PDF documents of the pipeline (shortlists, and the kinds that plug in later): the same
# sweep as the reports' (reports.pipeline.documents_sweep), every minute.
CELERY_BEAT_SCHEDULE["documents-sweep"] = {"task": "reports.tasks.sweep_stale_documents", "schedule": 60}
