"""Every admin delete and action, driven into each refusal its service has: the refusal is a
message on the page (never a 500), and nothing changes. And what can't be undone asks first:
the confirmation page lists the objects and what will happen to them."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from backoffice.services import token_create, token_revoke
from collaboration.models import Comment
from credentials.services import credential_create, credential_revoke
from projects.models import Project
from projects.services import project_activate, project_archive, project_trash
from shares.models import DistributionChannel, PublicVideoShare
from shares.services import channel_publish, share_disable, share_upsert
from templates.constants import Status
from templates.models import Template
from templates.services import template_archive
from tests.backoffice.factories import member
from tests.collaboration.factories import make_comment
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")


@pytest.fixture
def project(org):
    return project_activate(actor=SYSTEM, project=make_project(org, name="Tarjeta Oro"))


def changelist(model: str) -> str:
    return reverse(f"admin:{model}_changelist")


def act(client, model: str, action: str, objects, *, confirm: bool = True, query: str = ""):
    data = {"action": action, "_selected_action": [str(obj.pk) for obj in objects]}
    if confirm:
        data["post"] = "yes"
    return client.post(changelist(model) + query, data, follow=True)


def notes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def refused(response, text: str) -> None:
    assert response.status_code == 200
    assert any(text in note for note in notes(response)), notes(response)
    assert not any(note.startswith(("Deleted", "Archived", "Revoked")) for note in notes(response))


# Projects -----------------------------------------------------------------------------------


def test_project_actions_report_each_refusal(owner_client, org, project):
    archived = make_project(org, name="Navidad")
    project_archive(actor=SYSTEM, project=archived)
    trashed = make_project(org, name="Borrador")
    project_trash(actor=SYSTEM, project=trashed)
    model = "projects_project"

    refused(act(owner_client, model, "activate", [archived]), "Navidad: An archived project")
    refused(act(owner_client, model, "archive", [archived]), "This project is already archived.")
    # The trashed project is listed under the trash filter (the list shows live ones).
    refused(act(owner_client, model, "trash", [trashed], query="?trashed=yes"), "in the trash")
    refused(act(owner_client, model, "restore", [project]), "This project is not in the trash.")

    assert Project.objects.get(pk=archived.pk).status == "Archived"
    assert Project.objects.get(pk=project.pk).trashed_at is None


def test_one_refusal_does_not_stop_the_others_and_counts_read_well(owner_client, org, project):
    archived = make_project(org, name="Navidad")
    project_archive(actor=SYSTEM, project=archived)
    draft = make_project(org, name="Otro")

    response = act(owner_client, "projects_project", "archive", [archived, project, draft])

    assert "Archived 2 projects." in notes(response)
    assert "Navidad: This project is already archived." in notes(response)
    response = act(owner_client, "projects_project", "activate", [make_project(org, name="Uno")])
    assert "Activated 1 project." in notes(response)


def test_deleting_a_project_with_a_production_template_is_a_message(owner_client, project):
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    delete = reverse("admin:projects_project_delete", args=[project.pk])

    confirmation = owner_client.get(delete).content.decode()
    button = owner_client.post(delete, {"post": "yes"}, follow=True)
    bulk = act(owner_client, "projects_project", "delete_selected", [project])

    assert 'class="confirm-refusal">Will be refused:' in confirmation

    for response in (button, bulk):
        refused(response, "Production")
    assert Project.objects.filter(pk=project.pk).exists()
    assert not AuditEvent.objects.filter(event_type="PROJECT_DELETED").exists()
    assert button.redirect_chain[-1][0] == reverse(
        "admin:projects_project_change", args=[project.pk]
    )


def test_the_owner_deletes_a_project_after_a_page_that_explains_the_trash(
    owner_client, project, users
):
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="DEV", template_id=template.pk)
    credential_create(actor=SYSTEM, project=project, name="crm")
    delete = reverse("admin:projects_project_delete", args=[project.pk])

    page = owner_client.get(delete).content.decode()

    assert "have permission" not in page
    assert "move it to the trash instead" in page
    assert "DEV stops serving “Welcome video 1.0”." in page
    assert "1 video template" in page or "1 template" in page
    response = owner_client.post(delete, {"post": "yes"}, follow=True)
    assert not Project.objects.filter(pk=project.pk).exists()
    assert any("deleted successfully" in note for note in notes(response))


# Templates ----------------------------------------------------------------------------------


def test_deleting_a_template_ever_in_production_is_a_message_not_a_500(owner_client, project):
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    delete = reverse("admin:video_templates_template_delete", args=[template.pk])

    confirmation = owner_client.get(delete).content.decode()
    button = owner_client.post(delete, {"post": "yes"}, follow=True)
    bulk = act(owner_client, "video_templates_template", "delete_selected", [template])

    assert "Will be refused: a template that was ever in Production" in confirmation
    refused(button, "A template that was ever in Production can't be deleted.")
    refused(bulk, "Welcome video 1.0: A template that was ever in Production can't be deleted.")
    assert Template.objects.filter(pk=template.pk).exists()


def test_deleting_or_archiving_a_published_template_is_a_message(owner_client, project):
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="DEV", template_id=template.pk)
    model = "video_templates_template"

    refused(act(owner_client, model, "delete_selected", [template]), "it is published on DEV")
    refused(act(owner_client, model, "archive", [template]), "it is published on DEV")
    assert Template.objects.get(pk=template.pk).status == Status.TESTING


def test_archiving_an_archived_template_and_deleting_many_read_well(owner_client, project):
    archived = make_template(project, name="Old")
    template_archive(actor=SYSTEM, template=archived)
    spare = [make_template(project, name=f"Spare {n}") for n in range(2)]
    model = "video_templates_template"

    refused(act(owner_client, model, "archive", [archived]), "already archived")
    response = act(owner_client, model, "delete_selected", spare)

    assert "Deleted 2 templates." in notes(response)


def test_publish_actions_report_each_refusal(owner_client, org, project):
    draft = make_project(org, name="Borrador")
    draft_template = make_template(draft)
    archived_template = make_template(project, name="Old")
    template_archive(actor=SYSTEM, template=archived_template)
    closed = make_project(org, name="Cerrado")
    closed_template = make_template(closed)
    project_archive(actor=SYSTEM, project=closed)
    model = "video_templates_template"

    refused(act(owner_client, model, "publish_to_prod", [draft_template]), "needs an Active")
    refused(
        act(owner_client, model, "publish_to_dev", [archived_template]),
        "An Archived template can't be published",
    )
    refused(
        act(owner_client, model, "publish_to_staging", [closed_template]),
        "An archived project can't publish.",
    )
    assert not DistributionChannel.objects.filter(active_template__isnull=False).exists()


def test_publishing_to_prod_says_what_prod_stops_serving(owner_client, project):
    first = make_template(project, name="First")
    second = make_template(project, name="Second")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=first.pk)

    page = act(owner_client, "video_templates_template", "publish_to_prod", [second], confirm=False)

    html = page.content.decode()
    assert "PROD stops serving “First 1.0” and serves this one instead." in html
    assert "“First 1.0” leaves Production and becomes Previous." in html
    assert DistributionChannel.objects.get(project=project, channel="PROD").active_template == first


# Channels and shares ------------------------------------------------------------------------


def test_unpublishing_an_empty_channel_is_a_message(owner_client, project):
    channel = DistributionChannel.objects.get(project=project, channel="STAGING")
    refused(
        act(owner_client, "shares_distributionchannel", "unpublish", [channel]),
        "Nothing is published on STAGING.",
    )


def test_unpublish_confirmation_names_the_template(owner_client, project):
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    channel = DistributionChannel.objects.get(project=project, channel="PROD")

    page = act(owner_client, "shares_distributionchannel", "unpublish", [channel], confirm=False)

    assert "PROD stops serving “Welcome video 1.0”." in page.content.decode()
    channel.refresh_from_db()
    assert channel.active_template == template  # only once confirmed
    response = act(owner_client, "shares_distributionchannel", "unpublish", [channel])
    assert "Unpublished 1 distribution channel." in notes(response)


@pytest.fixture
def share(project):
    return share_upsert(
        actor=SYSTEM, project=project, channel="PROD", fields={"public_title": "Hola"}
    ).share


def test_share_actions_report_each_refusal(owner_client, share):
    model = "shares_publicvideoshare"
    refused(act(owner_client, model, "restore", [share]), "there is nothing to restore")
    share_disable(actor=SYSTEM, project=share.project, channel="PROD")
    refused(act(owner_client, model, "disable", [share]), "This share is already disabled.")
    assert PublicVideoShare.objects.get(pk=share.pk).disabled_by is None


def test_share_confirmations_name_the_link_that_stops(owner_client, share):
    for action in ("disable", "rotate_slug"):
        page = act(owner_client, "shares_publicvideoshare", action, [share], confirm=False)
        assert f"{share.url} stops" in page.content.decode()
    assert PublicVideoShare.objects.get(pk=share.pk).slug == share.slug


# Credentials, tokens, comments ----------------------------------------------------------------


def test_revoking_a_revoked_credential_or_token_is_a_message(owner_client, project, users):
    credential = credential_create(actor=SYSTEM, project=project, name="crm").credential
    credential_revoke(actor=SYSTEM, credential=credential)
    token = token_create(actor=SYSTEM, user=users["Viewer"], name="ci").token
    token_revoke(actor=SYSTEM, token=token)

    refused(
        act(owner_client, "credentials_apicredential", "revoke", [credential]),
        "This credential is already revoked.",
    )
    refused(
        act(owner_client, "backoffice_apitoken", "revoke", [token]),
        "This token is already revoked.",
    )


def test_a_comment_delete_the_service_refuses_is_a_message(client, org, project, users):
    manager = member(org, Role.PROJECT_MANAGER, is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="collaboration"))
    comment = make_comment(project, users["Developer"])
    client.force_login(manager)
    delete = reverse("admin:collaboration_comment_delete", args=[comment.pk])

    button = client.post(delete, {"post": "yes"}, follow=True)
    bulk = act(client, "collaboration_comment", "delete_selected", [comment])

    # Either the role is not offered the delete at all (403), or the service's refusal is
    # the message; never a 500, and the comment stays.
    assert button.status_code in (200, 403)
    if button.status_code == 200:
        for response in (button, bulk):
            refused(response, "Only the author or an organization admin deletes a comment.")
    assert Comment.objects.filter(pk=comment.pk).exists()


# Confirmation pages that know every object will be refused ---------------------------------


def test_a_confirmation_where_everything_will_be_refused_offers_only_back(owner_client, org):
    archived = make_project(org, name="Navidad")
    project_archive(actor=SYSTEM, project=archived)

    html = act(owner_client, "projects_project", "archive", [archived], confirm=False)
    html = html.content.decode()

    assert "Will be refused" in html
    assert 'value="Yes, archive"' not in html
    assert 'name="post"' not in html
    assert ">Back</a>" in html


def test_a_confirmation_with_something_to_do_still_offers_yes(owner_client, org, project):
    archived = make_project(org, name="Navidad")
    project_archive(actor=SYSTEM, project=archived)

    html = act(owner_client, "projects_project", "archive", [archived, project], confirm=False)
    html = html.content.decode()

    assert "Will be refused" in html
    assert 'value="Yes, archive"' in html
