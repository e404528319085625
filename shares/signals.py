"""How shares follows projects and templates without them importing it.

- A new project gets its three channels from Django's ``post_save`` (created). It runs in the
  creating transaction (``project_create`` is atomic), so a project never exists without its
  channels; a signal keeps ``projects`` free of any import of ``shares``.
- Archiving a project unpublishes its channels and expires its pending deploy requests,
  inside the archiving transaction.
- A template shown on a channel can't be archived or deleted (unpublish it first).
"""

from .models import DistributionChannel
from .services import channels_create, channels_unpublish_all, deploy_requests_expire_for_archive


def create_channels(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        channels_create(project=instance)


def unpublish_on_archive(sender, project, actor, **kwargs) -> None:
    channels_unpublish_all(actor=actor, project=project)
    deploy_requests_expire_for_archive(project=project)


def template_on_channel(template) -> str | None:
    channels = list(
        DistributionChannel.objects.filter(active_template=template)
        .order_by("channel")
        .values_list("channel", flat=True)
    )
    if channels:
        return f"it is published on {', '.join(channels)}"
    return None
