"""Deploy requests and shares in the staff admin read as people read them: statuses as the
same badges as everywhere else, people by their names, and a share's page saying whether its
landing page plays (enabled is not live: a STAGING share with nothing published is not)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.roles import Role
from projects.services import project_activate
from shares.services import (
    channel_publish,
    deploy_request_create,
    deploy_request_reject,
    share_upsert,
)
from tests.backoffice.factories import member
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")


@pytest.fixture
def project(org):
    return project_activate(actor=SYSTEM, project=make_project(org, name="Tarjeta Oro"))


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def shown_text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


def cells(page: str, column: str) -> list[str]:
    """The inner HTML of a changelist column's cells."""
    return re.findall(rf'<td class="field-{column}[^"]*">(.*?)</td>', page, re.S)


def test_deploy_requests_show_status_badges_and_people_by_name(owner_client, org, project):
    template = make_template(project)
    requester = member(org, Role.PROJECT_MANAGER, display_name="Pablo Gestor")
    decider = member(org, Role.ORGANIZATION_ADMIN, display_name="Ana Administradora")
    rejected = deploy_request_create(
        actor=Actor.for_user(requester), project=project, template_id=template.pk
    )
    deploy_request_reject(actor=Actor.for_user(decider), request=rejected, reason="CTA")
    pending = deploy_request_create(
        actor=Actor.for_user(requester), project=project, template_id=template.pk
    )

    page = html(owner_client, reverse("admin:shares_deployrequest_changelist"))

    statuses = cells(page, "status_badge")
    assert len(statuses) == 2
    assert all('class="badge"' in cell for cell in statuses)  # not bare text that wraps
    assert any(">Pending<" in cell for cell in statuses)
    assert any(">Rejected<" in cell for cell in statuses)
    requested_by = cells(page, "requested_by_name")
    assert len(requested_by) == 2
    assert all("Pablo Gestor" in cell for cell in requested_by)
    assert all(f'title="{requester.email}"' in cell for cell in requested_by)
    assert "Ana Administradora" in " ".join(cells(page, "decision"))

    change = html(owner_client, reverse("admin:shares_deployrequest_change", args=[pending.pk]))
    assert 'class="badge"' in change
    assert ">Pending<" in change
    assert "Pablo Gestor" in change
    decided = html(owner_client, reverse("admin:shares_deployrequest_change", args=[rejected.pk]))
    assert "Ana Administradora" in decided

    # The audit trail stored the requester as an e-mail: its history names them too.
    history = html(owner_client, reverse("admin:shares_deployrequest_history", args=[rejected.pk]))
    assert re.search(
        r"requested by</span>: <span class=\"before\">—</span> → Pablo Gestor", history
    )
    assert re.search(
        r"rejected by</span>: <span class=\"before\">—</span> → Ana Administradora", history
    )
    assert requester.email not in shown_text(history)


def test_a_staging_share_with_nothing_published_is_enabled_but_not_live(owner_client, project):
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    live = share_upsert(
        actor=SYSTEM, project=project, channel="PROD", fields={"public_title": "Oferta"}
    ).share
    expires = timezone.now() + timedelta(days=30)
    staging = share_upsert(
        actor=SYSTEM,
        project=project,
        channel="STAGING",
        fields={
            "public_title": "Vista previa",
            "password": "staging-secret",
            "expires_at": expires,
        },
    ).share

    page = html(owner_client, reverse("admin:shares_publicvideoshare_changelist"))
    badges = dict(
        zip(
            re.findall(r'<td class="field-channel[^"]*">(\w+)</td>', page),
            cells(page, "status_badge"),
            strict=True,
        )
    )
    assert "#15803d" in badges["PROD"]
    assert ">Enabled<" in badges["PROD"]
    assert "not live" in badges["STAGING"]
    assert "#15803d" not in badges["STAGING"]  # never the green of a live share
    assert "nothing is published on STAGING" in badges["STAGING"]  # the tooltip says why

    staging_page = html(
        owner_client, reverse("admin:shares_publicvideoshare_change", args=[staging.pk])
    )
    assert "Not live" in staging_page
    assert "Nothing is published on STAGING." in staging_page
    assert "Expires at" in staging_page
    assert expires.astimezone(timezone.get_current_timezone()).strftime("%Y") in staging_page
    assert "Protected: visitors enter the share" in staging_page
    assert "staging-secret" not in staging_page

    live_page = html(owner_client, reverse("admin:shares_publicvideoshare_change", args=[live.pk]))
    assert ">Live<" in live_page
    assert "None: anyone with the link sees the page" in live_page
    assert "Never: the link works until the share is disabled" in live_page
