"""Scheduled share work on Celery workers (``CELERY_BEAT_SCHEDULE``), thin over services."""

from celery import shared_task

from . import services


@shared_task(name="shares.tasks.flush_share_counts")
def flush_share_counts() -> None:
    """``manage.py flush_share_counts`` every minute: idempotent, safe to overlap."""
    services.share_counts_flush()


@shared_task(name="shares.tasks.expire_deploy_requests")
def expire_deploy_requests() -> int:
    """Pending PROD deploy requests older than 7 days become Expired."""
    return services.deploy_requests_expire()
