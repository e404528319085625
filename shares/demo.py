"""Demo publishing for ``load_demo_data``: the demo template goes to DEV and PROD."""

from backoffice.demo import Demo
from projects.models import Project
from templates.demo import DEMO_PROJECT_SLUG, DEMO_TEMPLATE_NAME
from templates.models import Template

from .models import DistributionChannel
from .services import channel_publish


def load_demo_channels(demo: Demo) -> None:
    project = (
        Project.objects.live()
        .filter(organization=demo.organization, slug=DEMO_PROJECT_SLUG, status="Active")
        .first()
    )
    template = Template.objects.filter(project=project, name=DEMO_TEMPLATE_NAME).first()
    if project is None or template is None:
        return
    published = set(
        DistributionChannel.objects.filter(
            project=project, active_template__isnull=False
        ).values_list("channel", flat=True)
    )
    for channel in ("DEV", "PROD"):
        if channel not in published:
            channel_publish(
                actor=demo.actor, project=project, channel=channel, template_id=template.pk
            )
