"""Settings shared by every environment, read from environment variables."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"

SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# Personal API tokens and invitation tokens are stored as HMAC-SHA256 digests under this key.
# It defaults to one derived from SECRET_KEY; set it separately to rotate SECRET_KEY freely.
TOKEN_HASH_KEY = env.str("TOKEN_HASH_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto are believed; with none,
# the socket's peer is the client and the scheme is the socket's (backoffice/proxies.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PUBLIC_SITE_URL = env.str("PUBLIC_SITE_URL", default=SITE_URL).rstrip("/")
# The home page links the demo's landing page (development; see shares/home.py).
HOME_LINKS_DEMO = env.bool("HOME_LINKS_DEMO", default=False)

INSTALLED_APPS = [
    "backoffice.apps.StaffAdminConfig",  # django.contrib.admin with a throttled login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "guardian",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "backoffice",
    "projects",
    "templates",
    "shares",
    "credentials",
    "collaboration",
    "webhooks",
]

MIDDLEWARE = [
    # First: X-Forwarded-* headers are dropped unless a trusted proxy sent the request.
    "backoffice.proxies.TrustedProxyMiddleware",
    # NUL bytes and lone surrogates in the path, query, headers or cookies: 404/400, not a 500.
    "backoffice.middleware.UnstorableInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "backoffice.middleware.DefaultContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backoffice.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The admin renders times in the viewer's zone (a cookie its pages set; UTC without it).
    "backoffice.time_zones.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An API view's missing method is a 405 before authentication or path parameters.
    "backoffice.middleware.MethodNotAllowedFirstMiddleware",
    # Last, so its process_exception sees a view's database failure first (503, not 500).
    "backoffice.outage.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
ASGI_APPLICATION = "backoffice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' folders: our admin/base_site.html adds the admin's stylesheet.
        "DIRS": [BASE_DIR / "backoffice" / "admin_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: PostgreSQL's JIT costs more than it saves (bench/RESULTS-jit-off.md:
    # project list p50 121 ms with JIT, 32 ms without, at 100 000 projects).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Django's cursors bind parameters on the client and are never prepared. The public hot
    # paths (shares/public_reads.py) use server-side binding, and psycopg prepares those
    # statements after this many runs on a connection, so PostgreSQL plans them once.
    # 0 turns it off (e.g. behind PgBouncer in transaction mode before 1.21).
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", env.int("DATABASE_PREPARE_THRESHOLD", default=5) or None
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection (CONN_MAX_AGE > 0) that the server dropped meanwhile is replaced at
# the start of the next request, not discovered by it (a 503).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that is down or stalled costs a request at most this long (redis-py's default
    # is 5 s): rate limits then fail open and the public pages read the database.
    CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
    for _option in ("socket_connect_timeout", "socket_timeout"):
        CACHES["default"].setdefault("OPTIONS", {}).setdefault(_option, CACHE_TIMEOUT_SECONDS)

AUTH_USER_MODEL = "backoffice.User"
AUTHENTICATION_BACKENDS = [
    "backoffice.auth_backends.EmailBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Guardian's anonymous user would need a username; the product has no anonymous grants.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Django's English date formats with the time zone named after each time (the admin shows
# times in the viewer's zone: backoffice/time_zones.py).
FORMAT_MODULE_PATH = ["backoffice.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# lottie-web, installed from the npm registry by bin/_setup.sh (package-lock.json), never
# committed: served as /static/lottie/lottie_light.min.js once node_modules exists.
LOTTIE_BUILD_DIR = BASE_DIR / "node_modules" / "lottie-web" / "build" / "player"
STATICFILES_DIRS = [("lottie", LOTTIE_BUILD_DIR)] if LOTTIE_BUILD_DIR.is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "DEFAULT_FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Percus Backoffice <noreply@localhost>")

# Bodies larger than this are refused with 413 before a view reads them (uploads included).
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=250 * 1024 * 1024)
# JSON request bodies are parsed in memory, so they get a much smaller bound.
MAX_JSON_BODY_BYTES = env.int("MAX_JSON_BODY_BYTES", default=1024 * 1024)
# API request bodies are shallow; deeper JSON is refused with 400 before it can reach a
# recursive serializer or renderer.
MAX_JSON_DEPTH = 64
# Django's own in-memory bounds, set deliberately: form bodies and the non-file fields of
# multipart bodies get the JSON bound; a template upload has at most 200 assets + 5 files.
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_JSON_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 205
# Uploaded files larger than this go to a temporary file as they arrive (Django's default).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# ...in this one folder (created at start-up), so that what a killed worker leaves behind is
# found and deleted by ``manage.py sweep_upload_temp`` (run it hourly).
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=str(BASE_DIR / "upload-tmp"))
INVITATION_TTL_DAYS = 7
# Idempotency-Key records are replayed, then purged, for this long (Stripe's 24 hours).
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.int("IDEMPOTENCY_KEY_HOURS", default=24))
# Failed token authentications allowed per client address and window (count, seconds).
AUTH_FAILURE_LIMIT = (env.int("AUTH_FAILURE_LIMIT", default=20), 60)
# Requests one API credential may make per window (count, seconds), HTTP Basic reads.
CREDENTIAL_RATE_LIMIT = (env.int("CREDENTIAL_RATE_LIMIT", default=600), 60)
# Requests one client address may make to the public pages (/v/, /player/, /embed/) per window.
PUBLIC_RATE_LIMIT = (env.int("PUBLIC_RATE_LIMIT", default=300), 60)
# Password attempts on one password-protected share page per client address (count, seconds).
SHARE_PASSWORD_LIMIT = (env.int("SHARE_PASSWORD_LIMIT", default=10), 15 * 60)
# Failed staff logins on /admin/login/ per client address and per (address, e-mail) pair
# (count, seconds): past either, that address is refused for the window.
ADMIN_LOGIN_FAILURE_LIMIT = (env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=10), 15 * 60)
# Failed logins for one e-mail from all addresses together (count, seconds): past it the
# account is not locked, but every address gets a single try for it per window (backoffice/
# admin_site.py), which slows a guesser spread over many addresses.
ADMIN_LOGIN_ACCOUNT_CEILING = (env.int("ADMIN_LOGIN_ACCOUNT_CEILING", default=100), 15 * 60)

# Every response that sets no policy of its own gets this one (the public pages set theirs).
# Scripts only from our origin (Django's admin and Swagger UI need no inline script); inline
# styles are allowed for the admin's status badges and Swagger UI.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        # Frames from our origin only: the admin's previews of the player and the landing page.
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "backoffice.api.authentication.BearerTokenAuthentication",
        "credentials.authentication.CredentialBasicAuthentication",
        "backoffice.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "backoffice.api.permissions.IsAuthenticated",
        "backoffice.api.permissions.TokenScope",
    ],
    # JSON only: a form body is a 415. The upload operations (template upload, thumbnail,
    # branding logo) name the multipart parser themselves.
    "DEFAULT_PARSER_CLASSES": ["backoffice.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "backoffice.api.negotiation.StrictFormatNegotiation",
    "DEFAULT_PAGINATION_CLASS": "backoffice.api.pagination.OffsetOrCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["backoffice.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "backoffice.api.schema.AutoSchema",
    "DEFAULT_METADATA_CLASS": "backoffice.api.metadata.ApiMetadata",
    "EXCEPTION_HANDLER": "backoffice.api.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Percus Backoffice API",
    "DESCRIPTION": "Projects, templates, distribution channels, public video shares, API "
    "credentials and collaboration for personalized-video campaigns.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "UserStatusEnum": "backoffice.models.User.Status",
        "ProjectStatusEnum": "projects.constants.Status",
        "TemplateStatusEnum": "templates.constants.Status",
        "TemplateKindEnum": "templates.constants.Kind",
        "TemplateFileRoleEnum": "templates.api.serializers.FILE_ROLES",
        "GrantRoleEnum": "collaboration.api.serializers.GRANT_ROLES",
        "RoleEnum": "backoffice.roles.Role",
        "ChannelEnum": "shares.constants.Channel",
        "WebhookEventTypeEnum": "webhooks.constants.EVENT_NAMES",
        "WebhookEndpointStatusEnum": "webhooks.constants.EndpointStatus",
        "WebhookDeliveryStatusEnum": "webhooks.constants.DeliveryStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backoffice.api.schema.add_embed_manifest",
    ],
}

# Background work on Celery (backoffice/celery.py). Redis in production; a task whose worker
# dies mid-run is delivered again (acks late), so every task is safe to run twice.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues while the broker is down waits at most about a second; what it
# wanted done is also in the database, and the periodic sweeps pick it up (webhooks).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
#: Periodic work, run by one ``celery beat`` process (README "Background work").
CELERY_BEAT_SCHEDULE = {
    "webhook-sweep": {"task": "webhooks.sweep", "schedule": 30.0},
    "flush-share-counts": {"task": "shares.tasks.flush_share_counts", "schedule": 60.0},
    "expire-deploy-requests": {
        "task": "shares.tasks.expire_deploy_requests",
        "schedule": crontab(minute=5),
    },
    "purge-trash": {
        "task": "projects.tasks.purge_trash",
        "schedule": crontab(hour=3, minute=15),
        "kwargs": {"older_than_days": env.int("TRASH_RETENTION_DAYS", default=14)},
    },
}

# Webhooks (SPEC §17, README "Webhooks"). Production forbids http and private addresses.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
#: Fernet keys (``Fernet.generate_key()``) that encrypt the signing secrets at rest; the first
#: encrypts, all decrypt. Empty: a key derived from SECRET_KEY.
WEBHOOK_ENCRYPTION_KEYS = env.list("WEBHOOK_ENCRYPTION_KEYS", default=[])
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=10.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3 * 3600.0)
WEBHOOK_RETRY_WINDOW_SECONDS = env.float("WEBHOOK_RETRY_WINDOW_SECONDS", default=24 * 3600.0)
#: Retries sooner than this wait as a countdown in the broker; later ones for the sweep.
WEBHOOK_COUNTDOWN_MAX_SECONDS = 600.0
#: The sweep re-enqueues only deliveries overdue by this much (the others have a message).
WEBHOOK_SWEEP_GRACE_SECONDS = 60.0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# E-mail uniqueness is enforced case-insensitively by the "user_email_unique_ci" constraint,
# which the check for a plain unique column cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# Development and tests serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
