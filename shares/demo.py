"""Demo publishing for ``load_demo_data``: the demo template goes to DEV and PROD, and PROD
gets an enabled public share, so the demo's landing page plays at once, in the demo
organization's colour with its privacy link."""

from backoffice.demo import DEMO_ORGANIZATION_SLUG, Demo
from projects.models import Project
from templates.demo import DEMO_PROJECT_SLUG, DEMO_TEMPLATE_NAME
from templates.models import Template

from .constants import ShareStatus
from .models import DistributionChannel, OrganizationBranding, PublicVideoShare
from .services import branding_update, channel_publish, share_upsert

DEMO_SHARE_CHANNEL = "PROD"
DEMO_SHARE = {
    "public_title": "Tu tarjeta pre-aprobada te espera",
    "public_subtitle": "Un video hecho para ti, Camila.",
    "locale": "es-CL",
    "cta_label": "Solicitar ahora",
    "cta_url": "https://example.com/banco-andino/tarjeta",
    "personalization_data": {"firstName": "Camila"},
}


#: The demo organization's look on its landing page (no logo: the header shows the name).
DEMO_BRANDING = {
    "brand_colour": "#004481",
    "privacy_policy_url": "https://example.com/banco-andino/privacidad",
}


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
    if not PublicVideoShare.objects.filter(project=project, channel=DEMO_SHARE_CHANNEL).exists():
        share_upsert(
            actor=demo.actor, project=project, channel=DEMO_SHARE_CHANNEL, fields=DEMO_SHARE
        )
    if not OrganizationBranding.objects.filter(organization=demo.organization).exists():
        branding_update(actor=demo.actor, organization=demo.organization, fields=DEMO_BRANDING)


def demo_share() -> PublicVideoShare | None:
    """The demo's enabled PROD share, if the demo data is loaded (the home page links it)."""
    return (
        PublicVideoShare.objects.filter(
            project__organization__slug=DEMO_ORGANIZATION_SLUG,
            project__slug=DEMO_PROJECT_SLUG,
            project__trashed_at__isnull=True,
            channel=DEMO_SHARE_CHANNEL,
            status=ShareStatus.ENABLED,
        )
        .select_related("project")
        .first()
    )
