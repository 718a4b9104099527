"""Settings shared by every way of running the portal. Everything that differs between
machines comes from environment variables (listed in README.md and .env.example)."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
# Each settings module decides how SECRET_KEY is obtained; base has none on purpose.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",  # /api/v1/'s docs page and its Swagger UI files, served from /static/
    "axes",
    "simple_history",
    "core",
    "org",
    "indicators",
    "tasks",
    "carriers",
    "reports",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Times every request for /metrics, labelled by its route's name (core/metrics.py). Near the
    # top so the time includes the other middleware; below WhiteNoise (production inserts it
    # right after SecurityMiddleware), so static files, which are not routes, are not counted.
    "core.metrics.RequestLatencyMiddleware",
    # Content-Security-Policy on every page, no caching of what a signed-in user is sent.
    # Below SecurityMiddleware (and WhiteNoise in production), so static files keep caching.
    "core.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless the user picked English in the footer; the browser's Accept-Language is not asked.
    "core.not_found.CookieOnlyLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The friendly 404.html also with DEBUG on, never Django's page listing every URL pattern.
    "core.not_found.FriendlyNotFoundMiddleware",
    # Records which signed-in user made each change kept by django-simple-history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.audit.AuditMiddleware",  # an audit entry for every data-changing request; before axes, to see its lockouts
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "org.context_processors.navigation",
            ],
            # Django's truncatechars, faster (core.text.truncate_chars): the lists cut many texts a row.
            "builtins": ["core.templatetags.fast_text"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Default: a SQLite file inside the project, so a fresh machine needs no services.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and sign-in ----------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out username + IP is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The first hasher hashes every new password; the others only verify the hashes written
# before it (Django's earlier default, PBKDF2, for every account made until now), and Django
# rehashes such a password with the first one at its owner's next successful sign-in.
# Why Argon2id at these parameters: org.hashers.
PASSWORD_HASHERS = [
    "org.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: lock a username + IP pair after repeated failures, for a cool-off period;
# a wrong old password on the password-change form counts as a failure too (org.throttle).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# And lock an IP address, for every username, after this many failures within the cool-off:
# one password tried across many usernames. Higher than the per-pair limit because a whole
# district office often reaches the portal through one NAT address, and its staff's own
# typing mistakes must not lock the office out (org.throttle.SignInHandler applies it).
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 30)
AXES_HANDLER = "org.throttle.SignInHandler"
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address, for lockouts and the audit log alike (django-ipware, through
# axes). Directly reached, it is REMOTE_ADDR and X-Forwarded-For is ignored: anyone can
# write one. Behind AXES_PROXY_COUNT reverse proxies, each appending the address it was
# reached from, it is the address the outermost proxy wrote: the header's N-th from the
# right (ipware counts the proxies listed in the header, the last one being REMOTE_ADDR),
# whatever a client or its own office proxy put to the left of it.
_proxies = env_int("AXES_PROXY_COUNT", 0)  # not a setting: axes would warn of its old AXES_PROXY_COUNT
AXES_IPWARE_PROXY_COUNT = max(_proxies - 1, 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if _proxies else ("REMOTE_ADDR",)
IPWARE_STRICT = False  # a longer header (a client's own entries on the left) still gives the N-th from the right
# How long sign-in records are kept before the nightly job purges them.
AXES_LOG_RETENTION_DAYS = env_int("AXES_LOG_RETENTION_DAYS", 90)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sent by core.security_headers on every page; ``check --deploy`` refuses inline script here.
# Every script and style is a static file (data reaches scripts through json_script blocks
# and data- attributes, dynamic widths through the pct-N classes of portal.css), so nothing
# inline needs allowing. ECharts draws on a canvas and its tooltips are rich text, not HTML.
PORTAL_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence files attached to progress entries: the largest accepted, in MB.
EVIDENCE_MAX_MB = env_int("EVIDENCE_MAX_MB", 20)
# Debian's Chromium, which prints the quarterly report's PDF (core/pdf.py); without it the
# report is built without its PDF and says why.
CHROMIUM = env_str("CHROMIUM", "/usr/bin/chromium")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Background jobs ------------------------------------------------------------------
# Without REDIS_URL the jobs run eagerly in the web process: same code, no services.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
# A job is acknowledged only once it has finished, so a worker killed mid-job leaves it
# to be run again; every job is written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands a job that was taken but never acknowledged (its worker was killed) to
# another worker only after this many seconds. It must exceed the longest a job can run
# (CELERY_TASK_TIME_LIMIT) and the longest countdown a job is queued with, or a job still
# running would be handed out a second time.
#
# A web request that enqueues a job must not hang when Redis is down: connecting gets 2 s
# (the operating system waits about two minutes for a host that does not answer) and a
# publish is tried twice, so an enqueue to a stopped Redis costs the user about 0.3 s, to
# a silent host about 4 s. The request then goes on: the change is committed and its
# recompute is queued later (core.StaleMark.queue_failed, see core.recompute), or the
# page says the job could not start.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60),
    "socket_connect_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Nobody waits for a job's Celery result: every job records its outcome in the database
# (JobRun, the report row, the values it writes). Keeping results would also make every
# enqueue subscribe to the result channel in Redis, which with Redis down retries for 20 s
# and then raises RuntimeError into the user's request. ``apply_async(ignore_result=False)``
# still asks for one.
CELERY_TASK_IGNORE_RESULT = True
# Workers announce each job's start, success and failure as Celery events, so Flower or
# `celery -A config events` (docs/deploy.md) show the jobs as they run without first being
# switched on by `celery control enable_events`. With nobody listening, Redis drops them.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_BEAT_SCHEDULE = {
    "purge-old-sign-in-records": {
        "task": "org.jobs.purge_old_access_logs",
        "schedule": 24 * 60 * 60,
    },
    "remind-reporters-of-due-and-overdue-entries": {
        "task": "tasks.jobs.send_progress_reminders",
        "schedule": 6 * 60 * 60,
    },
    "recompute-current-and-stale-scores": {
        "task": "reports.jobs.sweep_scores",
        "schedule": 24 * 60 * 60,
    },
    # Catch up, once the broker is back, with the recomputes it could not take (or lost).
    "recompute-what-was-not-queued": {
        "task": "core.jobs.recompute_stale",
        "schedule": 10 * 60,
    },
    "purge-abandoned-uploads": {
        "task": "core.jobs.purge_stale_uploads",
        "schedule": 60 * 60,
    },
    # Nothing but a sign of life: its job records when it ran (core.ScheduledRun, the row
    # run_schedule keeps for every entry), which /health/ reads to tell that beat (or
    # run_schedule) is running. Expires after one interval, so heartbeats queued while no
    # worker runs do not pile up.
    "beat-heartbeat": {
        "task": "core.jobs.beat_heartbeat",
        "schedule": env_int("BEAT_HEARTBEAT_SECONDS", 60),
        "options": {"expires": env_int("BEAT_HEARTBEAT_SECONDS", 60)},
    },
}

# --- The API (/api/v1/) ----------------------------------------------------------------
# Calls per token; counted in the "throttle" cache below.
API_RATE = env_str("API_RATE", "600/min")
# The largest request body the API reads: a statistics bureau's bulk figures for every county
# of a province fit well inside it. Django's own limit on a body read into memory follows it.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_MB", 5) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = max(API_MAX_BODY_BYTES, 2_621_440)
# The API's per-token counters: in Redis when the portal has one, so that every gunicorn
# worker counts together; in the process otherwise (the embedded default has one process).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
        if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}

# --- Health and metrics (core/health.py, core/metrics.py, docs/deploy.md) ------------------
# /health/ calls beat unhealthy when its heartbeat (above) is older than this, and the disk of
# MEDIA_ROOT unhealthy with less free space than this.
HEALTH_BEAT_MAX_AGE_SECONDS = env_int("HEALTH_BEAT_MAX_AGE_SECONDS", 5 * 60)
HEALTH_MIN_FREE_DISK_MB = env_int("HEALTH_MIN_FREE_DISK_MB", 1024)
# Seconds each check of /health/ may take: a dead Redis must not hang the endpoint.
HEALTH_CHECK_TIMEOUT = env_int("HEALTH_CHECK_TIMEOUT", 2)
# Addresses (or networks, 10.0.0.0/24) allowed to read /metrics, by the audit log's rule for
# the client address (AXES_PROXY_COUNT); anyone else gets a 404.
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# --- E-mail -----------------------------------------------------------------------------
# Reminders are also e-mailed; the console backend prints them until a mail server is set.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jieshui-portal@localhost")
# Reporters are reminded of entries due within this many days.
REMINDER_DAYS_AHEAD = env_int("REMINDER_DAYS_AHEAD", 3)
# A change waits this long before its score recompute runs, so a burst of changes (a
# reviewer approving twenty entries) is recomputed once.
SCORES_COALESCE_SECONDS = env_int("SCORES_COALESCE_SECONDS", 20)

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-health-check logs every failed check with its traceback; /health/ itself reports
    # them, and a monitor polling it during an outage would fill the journal.
    "loggers": {"axes": {"level": "WARNING"}, "health_check": {"level": "ERROR"}},
}

# --- Demo -----------------------------------------------------------------------------
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "jieshui2026")
