"""Scheduled project work on Celery workers (``CELERY_BEAT_SCHEDULE``)."""

import io
from datetime import timedelta

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from backoffice.actors import Actor

from .services import project_purge, purgeable_roots


@shared_task(name="projects.tasks.purge_trash")
def purge_trash(older_than_days: int = 14) -> dict[str, int]:
    """What ``manage.py purge_trash`` does, on the beat schedule. Each batch is its own
    transaction with its root locked SKIP LOCKED, so a run overlapping the command (or another
    worker) shares the work instead of colliding."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    actor = Actor.system("task:purge_trash")
    purged = skipped = 0
    for root in purgeable_roots(cutoff):
        outcome = project_purge(actor=actor, root=root)
        if outcome.skipped:
            skipped += 1
        else:
            purged += len(outcome.project_ids)
    # The expired Idempotency-Key records too, by the command's name (templates sits above).
    call_command("purge_idempotency_keys", stdout=io.StringIO())
    return {"purged": purged, "skipped": skipped}
