"""People in the staff admin are named as people name them: the display name, with the
e-mail as its tooltip, on every list and page that shows who (members, tokens, comments,
grants, deploy requests, publishes, credentials); the e-mail alone only for someone with no
name. And the index's "Recent actions" lists the user's own audit events, not Django's
empty LogEntry, scoped to the organizations the user still belongs to."""

import re

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import Membership
from backoffice.roles import Role
from backoffice.services import member_deactivate, token_create
from collaboration.services import comment_create
from credentials.services import credential_create
from projects.services import project_activate, project_grant_set, project_update
from shares.services import channel_publish
from tests.backoffice.factories import member
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")


@pytest.fixture
def ana(org):
    return member(org, Role.ORGANIZATION_ADMIN, email="ana@banco.example", display_name="Ana Pérez")


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def shown_text(page: str) -> str:
    """What a reader sees: the page without its tags and attributes (tooltips aside)."""
    return re.sub(r"<[^>]+>", " ", page)


def assert_named(page: str) -> None:
    """Ana by name, her e-mail as the tooltip; in a choice, beside her name."""
    assert "Ana Pérez" in page
    assert 'title="ana@banco.example"' in page
    body = page.split('id="content-main"', 1)[-1]
    text = shown_text(body).replace("Ana Pérez (ana@banco.example)", "Ana Pérez")
    assert "ana@banco.example" not in text


def test_people_are_named_by_their_display_name_everywhere(owner_client, org, ana):
    actor = Actor.for_user(ana)
    project = project_activate(actor=SYSTEM, project=make_project(org, creator=ana, name="Oro"))
    template = make_template(project)
    channel_publish(actor=actor, project=project, channel="DEV", template_id=template.pk)
    comment_create(actor=actor, project=project, message="Listo para PROD")
    credential = credential_create(
        actor=actor, project=project, name="CRM", channels=["PROD"]
    ).credential
    token = token_create(actor=actor, user=ana, name="CRM token").token
    viewer = member(org, Role.VIEWER)
    project_grant_set(actor=SYSTEM, project=project, user=ana, role="ProjectManager")

    pages = {
        "members": reverse("admin:backoffice_membership_changelist"),
        "tokens": reverse("admin:backoffice_apitoken_changelist"),
        "token": reverse("admin:backoffice_apitoken_change", args=[token.pk]),
        "comments": reverse("admin:collaboration_comment_changelist"),
        "grants": reverse("admin:projects_projectuserobjectpermission_changelist"),
        "channels": reverse("admin:shares_distributionchannel_changelist") + "?channel=DEV",
        "credential": reverse("admin:credentials_apicredential_change", args=[credential.pk]),
        "project": reverse("admin:projects_project_change", args=[project.pk]),
        "organization": reverse("admin:backoffice_organization_change", args=[org.pk]),
    }
    for name, url in pages.items():
        page = html(owner_client, url)
        if name == "members":
            page = page.replace(viewer.email, "")  # only Ana is under test here
        try:
            assert_named(page)
        except AssertionError as failure:
            raise AssertionError(f"{name}: {failure}") from None


def test_someone_without_a_name_is_shown_by_email(owner_client, org):
    nameless = member(org, Role.VIEWER, email="sin.nombre@banco.example", display_name="")
    page = html(owner_client, reverse("admin:backoffice_membership_changelist"))
    assert "sin.nombre@banco.example" in page
    assert nameless.email in shown_text(page)


def test_recent_actions_are_the_users_own_audit_events(client, org, other_org, ana):
    mine = make_project(org, creator=ana, name="Campaña de Ana")
    project_update(actor=Actor.for_user(ana), project=mine, description="Nueva descripción")
    someone_else = member(org, Role.ORGANIZATION_ADMIN)
    make_project(org, creator=someone_else, name="Campaña de otra persona")
    elsewhere = member(other_org, Role.ORGANIZATION_ADMIN)
    Membership.objects.create(user=ana, organization=other_org, role=Role.ORGANIZATION_ADMIN)
    make_project(other_org, creator=ana, name="Campaña en otra organización")
    member_deactivate(
        actor=Actor.for_user(elsewhere),
        membership=Membership.objects.get(user=ana, organization=other_org),
    )
    ana.is_staff = True
    ana.save(update_fields=["is_staff"])
    client.force_login(ana)

    page = html(client, reverse("admin:index"))
    sidebar = page.split('id="recent-actions-module"', 1)[1].split("</ul>", 1)[0]
    assert "None available" not in page  # Django's LogEntry block is gone
    assert "Project created" in sidebar
    assert "Project updated" in sidebar
    assert "Campaña de Ana" in sidebar
    assert reverse("admin:projects_project_change", args=[mine.pk]) in sidebar
    assert "Campaña de otra persona" not in sidebar  # someone else's action
    assert "Campaña en otra organización" not in sidebar  # no longer a member there


def test_recent_actions_say_so_when_there_are_none(client, org):
    newcomer = member(org, Role.VIEWER, is_staff=True)
    client.force_login(newcomer)
    page = html(client, reverse("admin:index"))
    assert "None yet: what you change here or through the API is listed here." in page
