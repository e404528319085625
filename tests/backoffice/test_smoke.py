import pytest

pytestmark = pytest.mark.django_db


def test_me_returns_the_caller_and_memberships(users, org, client_for):
    response = client_for(users["Developer"]).get("/api/me")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == users["Developer"].email
    assert body["memberships"] == [
        {
            "organizationId": str(org.id),
            "organizationName": org.name,
            "organizationSlug": org.slug,
            "role": "Developer",
            "active": True,
        }
    ]


def test_anonymous_gets_a_401_problem(anon):
    response = anon.get("/api/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
