"""Test settings: the suite runs on PostgreSQL (``DATABASE_URL``), e-mail is kept in memory."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/postgres"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # as base.py
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".test-media")
# The API reads JSON bodies only (uploads: multipart, which their tests name).
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The suite's workers (tests/conftest.py ``celery_worker``) and tasks use Redis database 7.
CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/7")
# The tests' webhook receivers listen on 127.0.0.1 over http (tests switch to production rules
# where they prove the refusals); retries are fast so a test sees several.
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
WEBHOOK_RETRY_BASE_SECONDS = 0.2
WEBHOOK_RETRY_MAX_SECONDS = 0.5
WEBHOOK_RETRY_WINDOW_SECONDS = 3.0
