"""Members and roles (SPEC §3): roles come from the database, the last OrganizationAdmin
stays (under concurrency: tests/reliability/test_concurrency_invariants.py), and
deactivation takes access away until reactivation."""

import pytest

from backoffice.actors import Actor
from backoffice.models import AuditEvent, Membership, User
from backoffice.roles import Role
from backoffice.services import membership_set_role
from tests.backoffice.factories import member, token_for

pytestmark = pytest.mark.django_db

ORG_ROLES = [role.value for role in Role]


def members_url(org) -> str:
    return f"/api/Organizations/{org.id}/members"


def member_url(org, user, verb: str) -> str:
    return f"{members_url(org)}/{user.id}/{verb}"


def set_role(client, org, user, role):
    return client.put(member_url(org, user, "role"), {"role": role}, format="json")


# Forwarded role ------------------------------------------------------------------------


@pytest.mark.parametrize("forwarded", ORG_ROLES)
@pytest.mark.parametrize("stored", ORG_ROLES)
def test_forwarded_role_must_match_the_stored_role(stored, forwarded, org, users, client_for):
    response = client_for(users[stored]).get(
        members_url(org), HTTP_X_PERCUS_FORWARDED_ORG_ROLE=forwarded
    )
    if forwarded == stored:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "role_mismatch"


def test_forwarding_a_higher_role_does_not_grant_it(org, users, client_for):
    """A Viewer whose gateway claims OrganizationAdmin is refused as a liar, not obeyed."""
    target = users["Developer"]
    response = client_for(users["Viewer"]).put(
        member_url(org, target, "role"),
        {"role": "Viewer"},
        format="json",
        HTTP_X_PERCUS_FORWARDED_ORG_ROLE="OrganizationAdmin",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_mismatch"
    assert Membership.objects.get(user=target).role == Role.DEVELOPER


@pytest.mark.parametrize(("forwarded", "status"), [("Owner", 200), ("OrganizationAdmin", 403)])
def test_forwarded_role_of_the_system_owner(forwarded, status, org, users, client_for):
    response = client_for(users["Owner"]).get(
        members_url(org), HTTP_X_PERCUS_FORWARDED_ORG_ROLE=forwarded
    )
    assert response.status_code == status


@pytest.mark.parametrize("path", ["/api/me", "/api/tokens", "/api/Organizations"])
def test_forwarded_role_is_checked_on_endpoints_without_an_organization(path, users, client_for):
    client = client_for(users["Developer"])
    assert client.get(path, HTTP_X_PERCUS_FORWARDED_ORG_ROLE="Developer").status_code == 200
    refused = client.get(path, HTTP_X_PERCUS_FORWARDED_ORG_ROLE="OrganizationAdmin")
    assert refused.status_code == 403
    assert refused.json()["code"] == "role_mismatch"


def test_forwarded_role_of_a_member_of_another_organization_is_404_first(
    org, other_admin, client_for
):
    response = client_for(other_admin).get(
        members_url(org), HTTP_X_PERCUS_FORWARDED_ORG_ROLE="OrganizationAdmin"
    )
    assert response.status_code == 404


# Active organization (a list that needs one) ---------------------------------------------


ACTIVE_ORG_LIST = "/api/test-only/members"


@pytest.fixture
def in_two_orgs(org, other_org, users) -> User:
    user = users["Developer"]
    membership_set_role(actor=Actor.system(), organization=other_org, user=user, role=Role.VIEWER)
    return user


@pytest.mark.urls("tests.backoffice.urls_for_tests")
def test_member_of_one_organization_needs_not_name_it(org, users, client_for):
    response = client_for(users["Viewer"]).get(ACTIVE_ORG_LIST)
    assert response.status_code == 200
    assert response.json()["total"] == len(ORG_ROLES)


@pytest.mark.urls("tests.backoffice.urls_for_tests")
def test_member_of_two_organizations_must_name_one(in_two_orgs, client_for):
    response = client_for(in_two_orgs).get(ACTIVE_ORG_LIST)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["organizationId"]


@pytest.mark.urls("tests.backoffice.urls_for_tests")
@pytest.mark.parametrize("how", ["header", "query"])
def test_member_of_two_organizations_names_one(how, in_two_orgs, other_org, client_for):
    client = client_for(in_two_orgs)
    if how == "header":
        response = client.get(ACTIVE_ORG_LIST, HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=str(other_org.id))
    else:
        response = client.get(ACTIVE_ORG_LIST, {"organizationId": str(other_org.id)})
    assert response.status_code == 200
    emails = {item["email"] for item in response.json()["items"]}
    assert emails == set(
        Membership.objects.filter(organization=other_org).values_list("user__email", flat=True)
    )


@pytest.mark.urls("tests.backoffice.urls_for_tests")
def test_forwarded_role_is_checked_against_the_named_organization(
    in_two_orgs, org, other_org, client_for
):
    client = client_for(in_two_orgs)
    headers = {"HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG": str(other_org.id)}
    ok = client.get(ACTIVE_ORG_LIST, HTTP_X_PERCUS_FORWARDED_ORG_ROLE="Viewer", **headers)
    assert ok.status_code == 200
    mismatch = client.get(ACTIVE_ORG_LIST, HTTP_X_PERCUS_FORWARDED_ORG_ROLE="Developer", **headers)
    assert mismatch.status_code == 403
    assert mismatch.json()["code"] == "role_mismatch"


@pytest.mark.urls("tests.backoffice.urls_for_tests")
def test_owner_must_name_the_organization(org, users, client_for):
    client = client_for(users["Owner"])
    assert client.get(ACTIVE_ORG_LIST).status_code == 400
    named = client.get(ACTIVE_ORG_LIST, {"organizationId": str(org.id)})
    assert named.status_code == 200


@pytest.mark.urls("tests.backoffice.urls_for_tests")
@pytest.mark.parametrize("how", ["header", "query"])
def test_naming_a_foreign_organization_is_403(how, org, other_admin, client_for):
    client = client_for(other_admin)
    if how == "header":
        response = client.get(ACTIVE_ORG_LIST, HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=str(org.id))
    else:
        response = client.get(ACTIVE_ORG_LIST, {"organizationId": str(org.id)})
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_role"


@pytest.mark.urls("tests.backoffice.urls_for_tests")
def test_naming_an_organization_where_one_was_deactivated_is_403(
    in_two_orgs, org, users, client_for
):
    client_for(users["OrganizationAdmin"]).post(member_url(org, in_two_orgs, "deactivate"))
    response = client_for(in_two_orgs).get(ACTIVE_ORG_LIST, {"organizationId": str(org.id)})
    assert response.status_code == 403


# Role changes --------------------------------------------------------------------------


def test_admin_changes_a_role_and_it_is_audited(org, users, client_for):
    admin, target = users["OrganizationAdmin"], users["Viewer"]
    response = set_role(client_for(admin), org, target, "ProjectManager")
    assert response.status_code == 200
    assert response.json()["role"] == "ProjectManager"
    assert response.json()["userId"] == str(target.id)
    assert Membership.objects.get(user=target, organization=org).role == Role.PROJECT_MANAGER
    event = AuditEvent.objects.get(event_type="ROLE_CHANGED")
    assert event.organization == org
    assert event.actor_user == admin
    assert event.actor_kind == "token"
    assert event.targets[0]["id"] == str(target.id)
    assert event.changes == {"role": {"before": "Viewer", "after": "ProjectManager"}}


def test_the_new_role_applies_to_the_next_request(org, users, client_for):
    target = users["Viewer"]
    target_client = client_for(target)
    assert target_client.get(f"/api/Organizations/{org.id}/invitations").status_code == 403
    set_role(client_for(users["OrganizationAdmin"]), org, target, "OrganizationAdmin")
    assert target_client.get(f"/api/Organizations/{org.id}/invitations").status_code == 200


@pytest.mark.parametrize("body", [{}, {"role": "Owner"}, {"role": "viewer"}, {"role": None}])
def test_role_change_refuses_bad_input(body, org, users, client_for):
    response = client_for(users["OrganizationAdmin"]).put(
        member_url(org, users["Viewer"], "role"), body, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["role"]


def test_role_change_of_a_user_outside_the_organization_is_404(org, users, other_admin, client_for):
    response = set_role(client_for(users["OrganizationAdmin"]), org, other_admin, "Viewer")
    assert response.status_code == 404
    assert Membership.objects.get(user=other_admin).role == Role.ORGANIZATION_ADMIN


@pytest.mark.parametrize("who", ["OrganizationAdmin", "Owner"])
def test_the_last_admin_cannot_be_demoted(who, org, users, client_for):
    admin = users["OrganizationAdmin"]
    response = set_role(client_for(users[who]), org, admin, "ProjectManager")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "conflict"
    assert Membership.objects.get(user=admin).role == Role.ORGANIZATION_ADMIN
    assert not AuditEvent.objects.filter(event_type="ROLE_CHANGED").exists()


def test_an_admin_can_be_demoted_while_another_remains(org, users, client_for):
    second = member(org, Role.ORGANIZATION_ADMIN)
    response = set_role(client_for(second), org, users["OrganizationAdmin"], "Viewer")
    assert response.status_code == 200


def test_an_inactive_admin_does_not_count_as_the_remaining_one(org, users, client_for):
    admin = users["OrganizationAdmin"]
    second = member(org, Role.ORGANIZATION_ADMIN)
    User.objects.filter(pk=second.pk).update(status=User.Status.SUSPENDED)
    assert set_role(client_for(admin), org, admin, "Viewer").status_code == 409


# Deactivation and reactivation ---------------------------------------------------------


def test_the_last_admin_cannot_be_deactivated(org, users, client_for):
    admin = users["OrganizationAdmin"]
    response = client_for(users["Owner"]).post(member_url(org, admin, "deactivate"))
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Membership.objects.get(user=admin).is_active


def test_deactivation_takes_access_away_and_reactivation_restores_it(org, users, client_for, anon):
    admin_client = client_for(users["OrganizationAdmin"])
    target = users["Developer"]
    target_token = token_for(target)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {target_token}"}
    assert anon.get(members_url(org), **auth).status_code == 200

    response = admin_client.post(member_url(org, target, "deactivate"))
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["deactivatedAt"] is not None
    # Their only organization: the account is deactivated, the token stops working.
    target.refresh_from_db()
    assert target.status == User.Status.DEACTIVATED
    refused = anon.get("/api/me", **auth)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"

    response = admin_client.post(member_url(org, target, "reactivate"))
    assert response.status_code == 200
    assert response.json()["active"] is True
    target.refresh_from_db()
    assert target.status == User.Status.ACTIVE
    assert anon.get(members_url(org), **auth).status_code == 200


def test_deactivation_is_audited_with_before_and_after(org, users, client_for):
    admin, target = users["OrganizationAdmin"], users["Developer"]
    admin_client = client_for(admin)
    admin_client.post(member_url(org, target, "deactivate"))
    admin_client.post(member_url(org, target, "reactivate"))

    off = AuditEvent.objects.get(event_type="USER_DEACTIVATED")
    assert off.actor_user == admin
    assert off.organization == org
    assert off.targets[0]["id"] == str(target.id)
    assert off.changes == {
        "active": {"before": True, "after": False},
        "status": {"before": "Active", "after": "Deactivated"},
    }
    on = AuditEvent.objects.get(event_type="USER_REACTIVATED")
    assert on.actor_user == admin
    assert on.organization == org
    assert on.changes == {
        "active": {"before": False, "after": True},
        "status": {"before": "Deactivated", "after": "Active"},
    }


def test_deactivation_in_one_of_two_organizations_keeps_the_other(
    in_two_orgs, org, other_org, users, client_for
):
    client = client_for(in_two_orgs)
    client_for(users["OrganizationAdmin"]).post(member_url(org, in_two_orgs, "deactivate"))
    in_two_orgs.refresh_from_db()
    assert in_two_orgs.status == User.Status.ACTIVE
    gone = client.get(members_url(org))
    assert gone.status_code == 404
    assert client.get(f"/api/Organizations/{org.id}").status_code == 404
    assert client.get(members_url(other_org)).status_code == 200
    assert [o["id"] for o in client.get("/api/Organizations").json()["items"]] == [
        str(other_org.id)
    ]
    me = client.get("/api/me").json()
    assert {m["organizationId"]: m["active"] for m in me["memberships"]} == {
        str(org.id): False,
        str(other_org.id): True,
    }


def test_deactivating_twice_and_reactivating_an_active_member_are_409(org, users, client_for):
    admin_client = client_for(users["OrganizationAdmin"])
    target = users["Viewer"]
    assert admin_client.post(member_url(org, target, "reactivate")).status_code == 409
    assert admin_client.post(member_url(org, target, "deactivate")).status_code == 200
    again = admin_client.post(member_url(org, target, "deactivate"))
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_members_list_shows_roles_and_state(org, users, client_for):
    body = client_for(users["Viewer"]).get(members_url(org)).json()
    assert body["total"] == len(ORG_ROLES)
    assert {item["email"]: item["role"] for item in body["items"]} == {
        users[role].email: role for role in ORG_ROLES
    }
    item = body["items"][0]
    assert set(item) == {
        "userId",
        "email",
        "displayName",
        "userStatus",
        "role",
        "active",
        "deactivatedAt",
        "joinedAt",
    }
