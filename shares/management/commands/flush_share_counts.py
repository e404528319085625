"""``flush_share_counts``: move the landing-page views and CTA clicks pending in the cache
(Redis) into the per-share, per-day table. Run it every minute (cron, or the scheduler);
running it twice at once is safe, and a run that dies is completed by the next one."""

from django.core.management.base import BaseCommand

from backoffice.text import counted
from shares.services import share_counts_flush


class Command(BaseCommand):
    help = "Move the landing-page counts pending in the cache into the daily table."

    def handle(self, *args, **options) -> None:
        result = share_counts_flush()
        self.stdout.write(
            f"Flushed {counted(result.batches, 'batch')}: {counted(result.views, 'view')}, "
            f"{counted(result.cta_clicks, 'CTA click')}"
            + (f"; {result.skipped} already applied by another run." if result.skipped else ".")
        )
