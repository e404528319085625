"""``archive_projects``: archive projects named by id or slug, or those inactive for
``--inactive-days`` days (Active or Draft, not updated since), through the same service as
the API (channels unpublished, events recorded). One transaction per project, the project
row locked: two runs at once archive each project once, the later one skips it."""

from datetime import timedelta
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.errors import DomainError
from backoffice.models import Organization
from backoffice.text import counted
from projects.constants import Status
from projects.models import Project
from projects.services import project_archive

from ._progress import progress

#: About a hundred years: further back than any project, and inside the calendar.
MAX_DAYS = 36_500


class Command(BaseCommand):
    help = "Archive projects by id or slug, or those inactive for N days."

    def add_arguments(self, parser) -> None:
        parser.add_argument("projects", nargs="*", metavar="IDS_OR_SLUGS")
        parser.add_argument(
            "--inactive-days",
            type=int,
            metavar="N",
            help="Also archive Active and Draft projects not updated for N days.",
        )
        parser.add_argument("--org", metavar="SLUG", help="Only this organization's projects.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be archived; change nothing."
        )

    def handle(self, *args, projects, inactive_days, org, dry_run, **options):
        if not projects and inactive_days is None:
            raise CommandError("Name projects (ids or slugs) or give --inactive-days N.")
        if inactive_days is not None and not 1 <= inactive_days <= MAX_DAYS:
            raise CommandError(f"--inactive-days must be from 1 to {MAX_DAYS}.")
        organization = None
        if org:
            organization = Organization.objects.filter(slug=org).first()
            if organization is None:
                raise CommandError(f"No organization has the slug '{org}'.")
        live = Project.objects.live().select_related("organization")
        if organization is not None:
            live = live.filter(organization=organization)
        targets: dict = {}
        for lookup in projects:
            project = self._find(live, lookup)
            targets[project.pk] = project
        if inactive_days is not None:
            cutoff = timezone.now() - timedelta(days=inactive_days)
            inactive = live.filter(
                status__in=[Status.ACTIVE, Status.DRAFT], updated_at__lt=cutoff
            ).order_by("created_at", "pk")
            for project in inactive:
                targets.setdefault(project.pk, project)
        chosen = list(targets.values())
        actor = Actor.system("command:archive_projects")
        archived, skipped, failed = 0, 0, 0
        for project in progress(chosen, len(chosen), self.stdout, label=str):
            if project.status == Status.ARCHIVED:
                skipped += 1
                self.stderr.write(f"Skipped {project.name} ({project.pk}): already archived.")
                continue
            if dry_run:
                archived += 1
                continue
            try:
                project_archive(actor=actor, project=project)
            except Project.DoesNotExist:
                skipped += 1  # deleted since it was listed
                self.stderr.write(f"Skipped {project.name} ({project.pk}): no longer exists.")
                continue
            except DomainError as error:
                if Project.objects.filter(pk=project.pk, status=Status.ARCHIVED).exists():
                    skipped += 1  # another run (or a user) archived it since it was listed
                    self.stderr.write(f"Skipped {project.name} ({project.pk}): already archived.")
                    continue
                failed += 1
                self.stderr.write(f"Failed {project.name} ({project.pk}): {error.detail}")
                continue
            archived += 1
        verb = "Would archive" if dry_run else "Archived"
        self.stdout.write(
            f"{verb} {counted(archived, 'project')}; {skipped} skipped, {failed} failed."
        )
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
        if failed:
            raise CommandError(f"{counted(failed, 'project')} could not be archived.")

    def _find(self, live, lookup: str) -> Project:
        try:
            matches = live.filter(pk=UUID(lookup))
        except ValueError:
            matches = live.filter(slug=lookup)
        found = list(matches[:2])
        if not found:
            raise CommandError(f"No live project has the id or slug '{lookup}'.")
        if len(found) > 1:
            raise CommandError(f"The slug '{lookup}' exists in several organizations: add --org.")
        return found[0]
