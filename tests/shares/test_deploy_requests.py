"""Four-eyes PROD deploys (SPEC §17): with ``requireProdApproval`` on, publishing to PROD
makes a deploy request; another ProjectManager+ approves (which publishes, in the same
transaction, once even when two approve at once) or rejects; requests expire after 7 days."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from backoffice.services import organization_update
from projects.services import project_activate
from shares.constants import DeployStatus
from shares.models import DeployRequest, DistributionChannel
from shares.services import deploy_request_create, deploy_requests_expire
from shares.tasks import expire_deploy_requests
from templates.services import template_archive
from tests.backoffice.factories import member
from tests.concurrency import run_together
from tests.conftest import Client
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


@pytest.fixture
def setup(org):
    organization_update(actor=SYSTEM, organization=org, require_prod_approval=True)
    project = make_project(org, name="Cards Q2")
    project_activate(actor=SYSTEM, project=project)
    template = make_template(project)
    requester = member(org, Role.PROJECT_MANAGER)
    approver = member(org, Role.PROJECT_MANAGER)
    return project, template, requester, approver


def publish(client, project, template, channel="PROD"):
    return client.post(
        f"/api/Projects/{project.pk}/distribution-channels/{channel}/publish",
        {"templateId": str(template.pk)},
        format="json",
    )


def prod(project) -> DistributionChannel:
    return DistributionChannel.objects.get(project=project, channel="PROD")


def base(project) -> str:
    return f"/api/Projects/{project.pk}/deploy-requests"


def test_publishing_to_prod_makes_a_request_and_publishes_nothing(setup):
    project, template, requester, _ = setup
    response = publish(Client(requester), project, template)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "Pending"
    assert body["templateId"] == str(template.pk)
    assert body["requestedBy"] == str(requester.pk)
    expires = timezone.datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)
    assert prod(project).active_template is None
    assert AuditEvent.objects.filter(event_type="DEPLOY_REQUESTED").get().actor_user == requester


def test_other_channels_publish_at_once(setup):
    project, template, requester, _ = setup
    response = publish(Client(requester), project, template, "DEV")
    assert response.status_code == 200
    assert not DeployRequest.objects.exists()


def test_without_the_setting_prod_publishes_at_once(setup, org):
    project, template, requester, _ = setup
    organization_update(actor=SYSTEM, organization=org, require_prod_approval=False)
    assert publish(Client(requester), project, template).status_code == 200
    assert prod(project).active_template == template


def test_another_project_manager_approves_and_it_is_published(setup):
    project, template, requester, approver = setup
    request_id = publish(Client(requester), project, template).json()["id"]

    response = Client(approver).post(f"{base(project)}/{request_id}/approve")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "Approved"
    assert response.json()["decidedBy"] == str(approver.pk)
    assert prod(project).active_template == template
    template.refresh_from_db()
    assert template.status == "Production"
    approved = AuditEvent.objects.get(event_type="DEPLOY_APPROVED")
    assert approved.actor_user == approver
    assert approved.changes["requestedBy"]["after"] == requester.email
    assert approved.changes["approvedBy"]["after"] == approver.email
    assert AuditEvent.objects.get(event_type="CHANNEL_PUBLISHED").actor_user == approver


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_requester_may_not_decide(setup, decision):
    project, template, requester, _ = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    response = Client(requester).post(f"{base(project)}/{request_id}/{decision}")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_role"
    assert DeployRequest.objects.get().status == DeployStatus.PENDING


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.VIEWER, 403),
        (Role.DEVELOPER, 403),
        (Role.PROJECT_MANAGER, 200),
        (Role.ORGANIZATION_ADMIN, 200),
    ],
)
def test_deciding_needs_project_manager(setup, org, role, status):
    project, template, requester, _ = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    response = Client(member(org, role)).post(
        f"{base(project)}/{request_id}/reject", {"reason": "Not before Monday"}, format="json"
    )
    assert response.status_code == status
    assert Client(member(org, Role.VIEWER)).get(base(project)).status_code == 200


def test_another_organization_and_anonymous_cannot_see(setup, other_admin, anon):
    project, template, requester, _ = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    assert Client(other_admin).get(base(project)).status_code == 404
    assert Client(other_admin).post(f"{base(project)}/{request_id}/approve").status_code == 404
    assert anon.post(f"{base(project)}/{request_id}/approve").status_code == 401


def test_a_rejected_request_publishes_nothing_and_keeps_the_reason(setup):
    project, template, requester, approver = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    response = Client(approver).post(
        f"{base(project)}/{request_id}/reject", {"reason": "Legal review first"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["reason"] == "Legal review first"
    assert prod(project).active_template is None
    assert Client(approver).post(f"{base(project)}/{request_id}/approve").status_code == 409
    rejected = AuditEvent.objects.get(event_type="DEPLOY_REJECTED")
    assert rejected.changes["requestedBy"]["after"] == requester.email


def test_one_pending_request_per_project(setup):
    project, template, requester, approver = setup
    assert publish(Client(requester), project, template).status_code == 202
    second = publish(Client(approver), project, template)
    assert second.status_code == 409
    assert DeployRequest.objects.count() == 1


def test_bad_input_is_refused(setup, org):
    project, _template, requester, _ = setup
    client = Client(requester)
    assert client.post(base(project), {}, format="json").status_code == 400
    missing = client.post(base(project), {"templateId": str(project.pk)}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"templateId": ["No template with this id in the project."]}
    assert client.post(f"{base(project)}/{project.pk}/approve").status_code == 404
    assert not DeployRequest.objects.exists()


def test_an_approval_whose_publish_is_refused_changes_nothing(setup):
    project, template, requester, approver = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    template_archive(actor=SYSTEM, template=template)
    response = Client(approver).post(f"{base(project)}/{request_id}/approve")
    assert response.status_code == 409
    assert DeployRequest.objects.get().status == DeployStatus.PENDING
    assert not AuditEvent.objects.filter(event_type="DEPLOY_APPROVED").exists()


def test_requests_expire_after_seven_days(setup):
    project, template, requester, approver = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    DeployRequest.objects.filter(pk=request_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Client(approver).post(f"{base(project)}/{request_id}/approve").status_code == 409
    assert expire_deploy_requests() == 1
    assert deploy_requests_expire() == 0  # idempotent
    assert DeployRequest.objects.get().status == DeployStatus.EXPIRED
    assert AuditEvent.objects.get(event_type="DEPLOY_EXPIRED").actor_label == "deploy requests"
    assert publish(Client(requester), project, template).status_code == 202  # ask again


def test_archiving_the_project_expires_its_pending_requests(setup, users):
    """An archived project publishes nothing: its pending request can't stay approvable."""
    project, template, requester, approver = setup
    request_id = publish(Client(requester), project, template).json()["id"]
    archive = Client(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/archive")
    assert archive.status_code == 200

    request = DeployRequest.objects.get(pk=request_id)
    assert request.status == DeployStatus.EXPIRED
    event = AuditEvent.objects.get(event_type="DEPLOY_EXPIRED")
    assert event.changes["reason"]["after"] == "The project was archived."
    listed = Client(approver).get(base(project)).json()["items"]
    assert [item["status"] for item in listed] == ["Expired"]
    assert Client(approver).post(f"{base(project)}/{request_id}/approve").status_code == 409


def test_only_an_organization_admin_sets_the_requirement(org, users, client_for):
    url = f"/api/Organizations/{org.pk}"
    refused = client_for(users["ProjectManager"]).patch(
        url, {"requireProdApproval": True}, format="json"
    )
    assert refused.status_code == 403
    response = client_for(users["OrganizationAdmin"]).patch(
        url, {"requireProdApproval": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["requireProdApproval"] is True
    event = AuditEvent.objects.get(event_type="ORGANIZATION_UPDATED")
    assert event.changes == {"requireProdApproval": {"before": False, "after": True}}
    bad = client_for(users["OrganizationAdmin"]).patch(
        url, {"requireProdApproval": "perhaps"}, format="json"
    )
    assert bad.status_code == 400


def test_the_list_runs_a_constant_number_of_queries(setup, django_assert_num_queries, org):
    project, template, requester, approver = setup
    client = Client(approver)
    for _ in range(3):
        deploy = deploy_request_create(
            actor=Actor.for_user(requester), project=project, template_id=template.pk
        )
        DeployRequest.objects.filter(pk=deploy.pk).update(status=DeployStatus.REJECTED)
    client.get(base(project))
    with django_assert_num_queries(6):
        body = client.get(base(project), {"status": "Rejected"}).json()
    assert body["total"] == 3
    assert all(item["requestedBy"] == str(requester.pk) for item in body["items"])


@pytest.mark.parametrize("wanted", ["pending", "Bogus", "", ["Pending", "Rejected"]])
def test_a_status_filter_outside_the_enum_is_a_400(setup, wanted):
    """The schema declares the enum; "pending" answered an empty list, as if none waited."""
    project, template, requester, approver = setup
    deploy_request_create(actor=Actor.for_user(requester), project=project, template_id=template.pk)
    response = Client(approver).get(base(project), {"status": wanted})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["errors"]["status"][0].endswith("one of Pending, Approved, Rejected, Expired.")
    assert Client(approver).get(base(project), {"status": "Pending"}).json()["total"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_approvals_at_once_publish_once(org):
    organization_update(actor=SYSTEM, organization=org, require_prod_approval=True)
    project = make_project(org, name="Race")
    project_activate(actor=SYSTEM, project=project)
    template = make_template(project)
    requester = member(org, Role.PROJECT_MANAGER)
    deploy = deploy_request_create(
        actor=Actor.for_user(requester), project=project, template_id=template.pk
    )
    approvers = iter([member(org, Role.PROJECT_MANAGER) for _ in range(4)])
    clients = [Client(next(approvers)) for _ in range(4)]
    url = f"{base(project)}/{deploy.pk}/approve"

    statuses = run_together(lambda: clients.pop().post(url).status_code, 4)

    assert sorted(statuses) == [200, 409, 409, 409]
    assert AuditEvent.objects.filter(event_type="CHANNEL_PUBLISHED").count() == 1
    assert AuditEvent.objects.filter(event_type="DEPLOY_APPROVED").count() == 1
    assert prod(project).active_template == template


def test_the_admin_approves_pending_requests_through_the_service(setup, org, client):
    project, template, requester, _approver = setup
    deploy = deploy_request_create(
        actor=Actor.for_user(requester), project=project, template_id=template.pk
    )
    staff = member(org, Role.PROJECT_MANAGER, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename="view_deployrequest"))
    client.force_login(staff)
    page = client.get("/admin/shares/deployrequest/?status__exact=Pending").content.decode()
    assert str(project) in page
    form = {"action": "approve", "_selected_action": [str(deploy.pk)]}
    confirmation = client.post("/admin/shares/deployrequest/", form)
    assert "Approve the selected PROD deploy requests?" in confirmation.content.decode()
    assert DeployRequest.objects.get().status == DeployStatus.PENDING  # not before "yes"
    client.post("/admin/shares/deployrequest/", {**form, "post": "yes"})
    assert DeployRequest.objects.get().status == DeployStatus.APPROVED
    assert prod(project).active_template == template
    assert AuditEvent.objects.get(event_type="DEPLOY_APPROVED").actor_user == staff


def test_the_admin_refuses_the_requesters_own_request(setup, org, client):
    project, template, requester, _ = setup
    requester.is_staff = True
    requester.save(update_fields=["is_staff"])
    requester.user_permissions.set(Permission.objects.filter(codename="view_deployrequest"))
    deploy = deploy_request_create(
        actor=Actor.for_user(requester), project=project, template_id=template.pk
    )
    client.force_login(requester)
    form = {"action": "approve", "_selected_action": [str(deploy.pk)], "post": "yes"}
    response = client.post("/admin/shares/deployrequest/", form, follow=True)
    assert "another person must decide" in response.content.decode()
    assert DeployRequest.objects.get().status == DeployStatus.PENDING
