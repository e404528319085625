"""``purge_trash``: delete for good what has been in the trash longer than ``--older-than``
days (14 by default), with the files stored for it, and the expired ``Idempotency-Key``
records (as ``purge_idempotency_keys``).

Each trash batch (a project trashed with its sub-projects) is purged in its own transaction,
its root locked with SKIP LOCKED: two runs at once share the work instead of colliding. A
batch that a deletion guard protects (a template in Production) stays, is reported, and
makes the command exit with status 1 (for cron and monitoring) once the rest is purged; a
batch another run holds is simply passed over.
"""

from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.text import counted
from projects.services import project_purge, purgeable_roots

from ._progress import progress

#: About a hundred years: further back than any trash, and inside the calendar.
MAX_DAYS = 36_500


class Command(BaseCommand):
    help = "Delete for good the projects that have been in the trash longer than N days."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=14,
            metavar="DAYS",
            help="Purge what was trashed more than DAYS days ago (default 14).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be purged; change nothing."
        )

    def handle(self, *args, older_than: int, dry_run: bool, verbosity: int = 1, **options):
        if not 0 <= older_than <= MAX_DAYS:
            raise CommandError(f"--older-than must be from 0 to {MAX_DAYS} days.")
        cutoff = timezone.now() - timedelta(days=older_than)
        actor = Actor.system("command:purge_trash")
        roots = list(purgeable_roots(cutoff))
        purged_projects = files = skipped = passed_over = 0
        for root in progress(roots, len(roots), self.stdout, label=lambda r: r.name):
            outcome = project_purge(actor=actor, root=root, dry_run=dry_run)
            if outcome.passed_over:
                passed_over += 1
                continue
            if outcome.skipped:
                skipped += 1
                self.stderr.write(f"Skipped {root.name} ({root.pk}): {outcome.skipped}")
                continue
            purged_projects += len(outcome.project_ids)
            files += len(outcome.files)
            if verbosity > 1:
                for name in outcome.files:
                    self.stdout.write(f"  {'would delete' if dry_run else 'deleted'} {name}")
        verb = "Would purge" if dry_run else "Purged"
        done = len(roots) - skipped - passed_over
        self.stdout.write(
            f"{verb} {counted(purged_projects, 'project')} in {counted(done, 'batch')}, "
            f"{counted(files, 'stored file')}; {counted(skipped, 'batch')} skipped "
            f"(trashed before {cutoff:%Y-%m-%d %H:%M} UTC)."
        )
        if passed_over:
            self.stdout.write(f"{counted(passed_over, 'batch')} passed over: another run has them.")
        if not dry_run:
            # By name: the templates app sits above this one and is not imported here.
            call_command("purge_idempotency_keys", stdout=self.stdout)
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was deleted."))
        if skipped:
            raise CommandError(
                f"{counted(skipped, 'batch')} stayed in the trash: see the reasons above "
                "(restore the project, unpublish its Production templates, then trash and "
                "purge again)."
            )
