"""The admin shows values as people read them (SPEC §15): names and links, chips, sizes,
channels in promotion order, badges, the trash apart, internal tables kept to the Owner."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.roles import Role
from credentials.services import credential_create
from projects.services import project_activate, project_trash
from shares.services import channel_publish
from tests.backoffice.factories import member
from tests.collaboration.factories import make_comment
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")


@pytest.fixture
def project(org):
    project = make_project(org, name="Tarjeta Oro", tags=["mortgage", "green"])
    return project_activate(actor=SYSTEM, project=project)


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_project_list_shows_live_projects_unless_asked_for_the_trash(owner_client, org):
    make_project(org, name="Vivo")
    project_trash(actor=SYSTEM, project=make_project(org, name="Papelera"))
    url = reverse("admin:projects_project_changelist")

    live = html(owner_client, url)
    trash = html(owner_client, url + "?trashed=yes")
    both = html(owner_client, url + "?trashed=all")

    assert "Vivo" in live
    assert "Papelera" not in live
    assert "Papelera" in trash
    assert "Vivo" not in trash
    assert "In the trash" in trash  # the marker beside the status
    assert "Vivo" in both
    assert "Papelera" in both
    assert 'class="toplinks"' in live  # the date hierarchy


def test_tags_are_chips_and_typed_comma_separated(owner_client, project):
    listing = html(owner_client, reverse("admin:projects_project_changelist"))
    page = html(owner_client, reverse("admin:projects_project_change", args=[project.pk]))

    assert '<span class="chip">mortgage</span><span class="chip">green</span>' in listing
    assert '["mortgage"' not in listing
    assert 'value="mortgage, green"' in page


def test_the_project_page_lists_templates_comments_and_channels_in_order(
    owner_client, project, users
):
    template = make_template(project, name="Bienvenida")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    make_comment(project, users["Developer"], "Listo para PROD")
    credential_create(actor=SYSTEM, project=project, name="crm", channels=["PROD", "DEV"])

    page = html(owner_client, reverse("admin:projects_project_change", args=[project.pk]))

    assert "Bienvenida" in page
    assert 'class="poster-thumb"' in page
    assert "Listo para PROD" in page
    channels = re.findall(r'<td class="field-channel">\s*<p>(DEV|STAGING|PROD)</p>', page)
    assert channels == ["DEV", "STAGING", "PROD"]
    template_url = reverse("admin:video_templates_template_change", args=[template.pk])
    assert f'<a href="{template_url}">Bienvenida 1.0</a>' in page  # PROD serves it
    assert '<span class="chip">DEV</span><span class="chip">PROD</span>' in page


def test_the_template_page_reads_well_and_has_no_save_button(owner_client, project):
    template = make_template(project)
    page = html(owner_client, reverse("admin:video_templates_template_change", args=[template.pk]))

    assert "Manifest (JSON)" in page
    assert "manifest_json" not in page
    assert "Poster image" in page
    assert re.search(r"\d+(\.\d)? (bytes|KB)", page)
    assert "<th>default</th>" in page  # the bindings as a table, not a JSON blob
    assert 'name="_save"' not in page
    listing = html(owner_client, reverse("admin:video_templates_template_changelist"))
    assert 'class="poster-thumb"' in listing


def test_channels_list_in_promotion_order(owner_client, project):
    page = html(owner_client, reverse("admin:shares_distributionchannel_changelist"))
    order = re.findall(r'<td class="field-channel">(DEV|STAGING|PROD)</td>', page)
    assert order == ["DEV", "STAGING", "PROD"]


def test_credentials_show_chips_and_a_status_filter(owner_client, project):
    credential_create(actor=SYSTEM, project=project, name="crm", channels=["PROD", "STAGING"])
    page = html(owner_client, reverse("admin:credentials_apicredential_changelist"))

    assert '<span class="chip">STAGING</span><span class="chip">PROD</span>' in page
    assert "Empty" not in page
    assert "Not empty" not in page
    assert "?status=revoked" in page
    assert ">Active</span>" in page


def test_names_and_badges_read_well(owner_client, users):
    index = html(owner_client, reverse("admin:index"))
    users_page = html(owner_client, reverse("admin:backoffice_user_changelist"))

    for name in ("Project grants to groups", "Project grants to users", "API credentials"):
        assert f">{name}<" in index, name
    assert "Personal API tokens" in index
    assert "grant to a groups" not in index
    assert ">Active</span>" in users_page


def test_internal_tables_are_the_owners_only(org, owner_client):
    staff = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(staff)

    index = html(client, reverse("admin:index"))

    assert "Idempotency records" not in index
    assert ">Groups<" not in index
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert (
        client.get(reverse("admin:video_templates_idempotencyrecord_changelist")).status_code == 403
    )
    owner_index = html(owner_client, reverse("admin:index"))
    assert "Idempotency records" in owner_index
    assert ">Groups<" in owner_index


def test_an_archived_projects_page_shows_text_not_fields(owner_client, org):
    from projects.services import project_archive

    project = make_project(org, name="Navidad", tags=["seasonal"])
    archived = project_archive(actor=SYSTEM, project=project)
    html_page = html(owner_client, reverse("admin:projects_project_change", args=[archived.pk]))

    assert 'name="name"' not in html_page
    assert 'name="tags"' not in html_page
    assert "Navidad" in html_page
    assert "seasonal" in html_page
    assert "[&quot;seasonal&quot;]" not in html_page  # chips, not the stored JSON


def test_the_template_page_plays_it_with_its_bindings_defaults(owner_client, project):
    import json
    from urllib.parse import unquote

    template = make_template(project)
    page_html = html(
        owner_client, reverse("admin:video_templates_template_change", args=[template.pk])
    )

    frame = re.search(r'<iframe class="template-player" src="/player/#([^"]+)"', page_html)
    assert frame, "no player on the page"
    assert 'sandbox="allow-scripts"' in page_html
    config = json.loads(unquote(frame[1]))
    assert config["templateUrl"].startswith("/api/files/")
    assert config["manifestUrl"].startswith("/api/files/")
    defaults = {b["key"]: b["default"] for b in template.bindings if b.get("default")}
    assert config["data"] == defaults
    assert owner_client.get(config["templateUrl"]).status_code == 200
