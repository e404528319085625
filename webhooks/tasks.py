"""Webhook work on Celery workers: thin calls of ``webhooks.services``."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="webhooks.deliver")
def deliver(delivery_id: str) -> None:
    """One attempt. A short retry is scheduled here with a countdown; a long one is left to
    the sweep (Redis redelivers unacknowledged messages after its visibility timeout, so
    hours-long countdowns are not kept in the broker)."""
    outcome = services.delivery_attempt(delivery_id=delivery_id)
    retry_in = outcome.retry_in if outcome else None
    if retry_in is not None and retry_in <= settings.WEBHOOK_COUNTDOWN_MAX_SECONDS:
        deliver.apply_async((delivery_id,), countdown=retry_in)


@shared_task(name="webhooks.sweep")
def sweep() -> int:
    """Enqueue every due pending delivery (retries, and messages lost while the broker was
    down). A delivery enqueued twice is attempted once: the attempt is claimed first."""
    due = services.due_deliveries(overdue=timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS))
    for delivery_id in due:
        deliver.delay(str(delivery_id))
    return len(due)
