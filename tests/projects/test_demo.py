from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import Project

pytestmark = pytest.mark.django_db


def test_load_demo_data_adds_projects_in_every_status_once():
    call_command("load_demo_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())

    projects = Project.objects.filter(organization__slug="banco-andino")
    assert projects.count() == 5
    assert set(projects.values_list("status", flat=True)) == {"Draft", "Active", "Archived"}
    assert projects.get(slug="credito-pre-aprobado-q2").tags == ["cards", "q2"]


def test_load_demo_data_publishes_a_demo_template_to_dev_and_prod_once():
    from shares.models import DistributionChannel
    from templates.models import Template

    call_command("load_demo_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())

    template = Template.objects.get(name="Bienvenida personalizada")
    assert template.status == "Production"
    assert [binding["key"] for binding in template.bindings] == [
        "firstName",
        "offer",
        "brandColour",
    ]
    published = DistributionChannel.objects.filter(active_template=template)
    assert sorted(published.values_list("channel", flat=True)) == ["DEV", "PROD"]


def test_load_demo_data_gives_a_live_branded_landing_page(client):
    from shares.demo import demo_share
    from shares.models import OrganizationBranding

    call_command("load_demo_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())

    share = demo_share()
    branding = OrganizationBranding.objects.get(organization__slug="banco-andino")
    assert branding.brand_colour == "#004481"
    body = client.get(f"/v/{share.slug}").content.decode()
    assert '<link rel="stylesheet" href="/brand/colour/004481.css">' in body
    assert 'href="https://example.com/banco-andino/privacidad"' in body
