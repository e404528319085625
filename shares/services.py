"""State changes of distribution channels: creation with the project, publish, unpublish,
and unpublishing everything when the project is archived. Every change locks the project row
first (parent before child), so concurrent publishes of one project are serialized: ten
simultaneous PROD publishes leave exactly one Production template and a PROD channel that
shows it."""

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.audit import record_event, target
from backoffice.errors import Conflict, InvalidRequest, NotFound
from projects.constants import Status as ProjectStatus
from projects.models import Project
from templates.constants import Status as TemplateStatus
from templates.models import Template
from templates.services import template_make_production

from .constants import CHANNEL_ORDER, Channel
from .models import DistributionChannel

PUBLISHABLE = (TemplateStatus.TESTING, TemplateStatus.PRODUCTION)


def channels_create(*, project: Project) -> list[DistributionChannel]:
    """The three channels of a new project (no event: they are part of its creation)."""
    existing = set(
        DistributionChannel.objects.filter(project=project).values_list("channel", flat=True)
    )
    return DistributionChannel.objects.bulk_create(
        [
            DistributionChannel(project=project, channel=channel)
            for channel in CHANNEL_ORDER
            if channel not in existing
        ]
    )


def _lock(project: Project, channel: str) -> tuple[Project, DistributionChannel]:
    project = (
        Project.objects.select_related("organization")
        .select_for_update(of=("self",))
        .get(pk=project.pk)
    )
    try:
        name = Channel(channel)
    except ValueError:
        raise NotFound(f"There is no channel {channel!r}.") from None
    row = (
        DistributionChannel.objects.select_for_update(of=("self",))
        .select_related("active_template")
        .get(project=project, channel=name)
    )
    return project, row


def _event(event_type: str, actor: Actor, project: Project, channel, template, changes) -> None:
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(channel), target(template), target(project)],
        changes=changes,
    )


@transaction.atomic
def channel_publish(
    *, actor: Actor, project: Project, channel: str, template_id: UUID | str
) -> DistributionChannel:
    """Show a template on a channel. The template must be this project's and ``Testing`` (or
    the current ``Production``, re-published); PROD needs an ``Active`` project and makes the
    template ``Production``, the former one becoming ``Previous``."""
    project, row = _lock(project, channel)
    if project.is_archived or project.trashed_at is not None:
        raise Conflict("An archived project can't publish.")
    template = (
        Template.objects.select_for_update(of=("self",))
        .filter(project=project, pk=template_id)
        .first()
    )
    if template is None:
        raise InvalidRequest.for_field("templateId", "No template with this id in the project.")
    if template.status not in PUBLISHABLE:
        raise Conflict(
            f"A {template.status} template can't be published: only Testing templates and "
            "the current Production one."
        )
    if row.channel == Channel.PROD and project.status != ProjectStatus.ACTIVE:
        raise Conflict("Publishing to PROD needs an Active project.")
    before = row.active_template
    changes = {
        "activeTemplate": {
            "before": str(before.pk) if before else None,
            "after": str(template.pk),
        }
    }
    if row.channel == Channel.PROD:
        status_before = template.status
        previous = template_make_production(project=project, template=template)
        changes["templateStatus"] = {"before": status_before, "after": template.status}
        if previous is not None:
            changes["previousProduction"] = {"before": str(previous.pk), "after": "Previous"}
    row.active_template = template
    row.published_by = actor.user
    row.published_at = timezone.now()
    row.save(update_fields=["active_template", "published_by", "published_at", "updated_at"])
    _event("CHANNEL_PUBLISHED", actor, project, row, template, changes)
    return row


def _unpublish(actor: Actor, project: Project, row: DistributionChannel) -> None:
    template = row.active_template
    row.active_template = None
    row.published_by = None
    row.published_at = None
    row.save(update_fields=["active_template", "published_by", "published_at", "updated_at"])
    _event(
        "CHANNEL_UNPUBLISHED",
        actor,
        project,
        row,
        template,
        {"activeTemplate": {"before": str(template.pk), "after": None}},
    )


@transaction.atomic
def channel_unpublish(*, actor: Actor, project: Project, channel: str) -> DistributionChannel:
    """Stop showing a template on the channel; the template's status stays as it is."""
    project, row = _lock(project, channel)
    if project.is_archived:
        raise Conflict("An archived project is read-only.")
    if row.active_template is None:
        raise Conflict(f"Nothing is published on {row.channel}.")
    _unpublish(actor, project, row)
    return row


def channels_unpublish_all(*, actor: Actor, project: Project) -> None:
    """Unpublish every channel of the project (archiving runs this in its transaction, with
    the project row already locked)."""
    rows = (
        DistributionChannel.objects.select_for_update(of=("self",))
        .select_related("active_template")
        .filter(project=project, active_template__isnull=False)
        .order_by("pk")
    )
    for row in rows:
        _unpublish(actor, project, row)


def channels_of(project: Project) -> list[DistributionChannel]:
    """The three channels in promotion order, in one query."""
    rows = DistributionChannel.objects.filter(project=project).select_related(
        "active_template", "published_by"
    )
    return sorted(rows, key=lambda row: CHANNEL_ORDER.index(row.channel))
