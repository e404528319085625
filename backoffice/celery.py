"""The Celery application: slow or scheduled work (webhook deliveries, the trash purge) runs
on workers, never inside a web request.

The broker comes from ``CELERY_BROKER_URL``: Redis in production and tests, kombu's
filesystem transport (no server) for ``bin/demo``. Tasks live in each app's ``tasks.py`` and
stay thin: they call services. Workers and beat: see README "Background work".
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.production")

app = Celery("backoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
