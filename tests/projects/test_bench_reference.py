"""The bench's reference list (``bench/reference_list.py``, issue 20): served only under the
bench settings' URLconf, and saying what the product's list says for an organization member,
so the side-by-side figures compare like with like."""

from pathlib import Path

import pytest
from django.utils import timezone

from backoffice.models import Membership
from projects.models import Project
from tests.projects.factories import make_project

BENCH = Path(__file__).resolve().parents[2] / "bench"
REFERENCE = "/bench/reference/Projects"
#: The reference's plain ModelSerializer names the two foreign keys by the field.
RENAMED = {"organization": "organizationId", "parent": "parentId"}


def camel(key: str) -> str:
    first, *rest = key.split("_")
    return RENAMED.get(key, first + "".join(word.title() for word in rest))


@pytest.fixture
def reference_urls(monkeypatch, settings):
    monkeypatch.syspath_prepend(str(BENCH))
    settings.ROOT_URLCONF = "reference_list"


def test_the_product_does_not_serve_the_reference(client_as):
    assert client_as("OrganizationAdmin").get(REFERENCE).status_code == 404


def test_the_reference_lists_what_the_product_lists(
    reference_urls, client_as, org, other_org, users
):
    parent = make_project(org, users["ProjectManager"], name="Parent", tags=["q2"])
    make_project(org, name="Child", description="Credit", locale="es-MX", job_code="JC-7")
    Project.objects.filter(name="Child").update(parent=parent, external_id="crm-1")
    make_project(org, name="Gone")
    Project.objects.filter(name="Gone").update(trashed_at=timezone.now())
    make_project(other_org, name="Elsewhere")
    client = client_as("OrganizationAdmin")

    reference = client.get(REFERENCE).json()
    product = client.get("/api/Projects").json()

    assert reference["count"] == 2
    assert reference["next"] is None
    assert [{camel(k): v for k, v in item.items()} for item in reference["results"]] == (
        product["items"]
    )
    paged = client.get(REFERENCE, {"limit": 1, "offset": 1}).json()
    assert [item["name"] for item in paged["results"]] == ["Parent"]


def test_the_reference_is_scoped_by_active_membership(reference_urls, client_as, org, users):
    make_project(org, name="Ours")
    client = client_as("Viewer")
    assert client.get(REFERENCE).json()["count"] == 1
    Membership.objects.filter(user=users["Viewer"]).update(deactivated_at=timezone.now())
    response = client.get(REFERENCE)
    assert response.status_code == 200
    assert response.json()["count"] == 0
