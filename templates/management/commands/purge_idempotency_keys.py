"""``purge_idempotency_keys``: delete the ``Idempotency-Key`` records older than
``IDEMPOTENCY_KEY_TTL`` (24 h). Expired records are never replayed anyway; this keeps the
table small. ``purge_trash`` does the same; safe to run at any time, twice at once too."""

from django.core.management.base import BaseCommand

from backoffice.text import counted
from templates.services import idempotency_records_purge


class Command(BaseCommand):
    help = "Delete the Idempotency-Key records that have expired (older than 24 hours)."

    def handle(self, *args, **options):
        deleted = idempotency_records_purge()
        self.stdout.write(f"Deleted {counted(deleted, 'expired Idempotency-Key record')}.")
