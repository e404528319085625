"""A project's fields are checked by the services, so the admin and the commands refuse
what the API refuses, with the same field and message (issue 15)."""

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.errors import InvalidRequest
from projects.models import Project
from projects.services import project_create, project_update
from tests.admin_forms import change_form_data
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")

BAD = {
    "locale": ("español", "locale", "Must be a BCP 47 language tag such as es-CL."),
    "name": ("x" * 256, "name", "Ensure this field has no more than 255 characters."),
    "job_code": ("J" * 21, "jobCode", "Ensure this field has no more than 20 characters."),
    "category": ("c" * 101, "category", "Ensure this field has no more than 100 characters."),
    "tags": ([f"t{i}" for i in range(31)], "tags", "no more than 30 elements"),
}


@pytest.mark.parametrize("field", sorted(BAD))
def test_the_services_refuse_what_the_api_refuses(org, field):
    value, api_name, message = BAD[field]
    project = make_project(org)

    with pytest.raises(InvalidRequest) as refused:
        project_update(actor=SYSTEM, project=project, **{field: value})
    with pytest.raises(InvalidRequest):
        project_create(actor=SYSTEM, organization=org, **{"name": "New", field: value})

    assert message in refused.value.errors[api_name][0]
    project.refresh_from_db()
    assert getattr(project, field) != value


@pytest.mark.parametrize("field", ["locale", "job_code", "category"])
def test_the_api_gives_the_same_field_and_message(org, users, client_for, field):
    value, api_name, message = BAD[field]
    project = make_project(org)
    api = client_for(users["OrganizationAdmin"])

    response = api.patch(f"/api/Projects/{project.pk}", {api_name: value}, format="json")

    assert response.status_code == 400
    assert message in str(response.json())


def test_the_admin_refuses_a_locale_the_api_refuses(client, users, org):
    project = make_project(org, locale="es-CL")
    client.force_login(users["Owner"])
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = change_form_data(client.get(url).content.decode(), "project_form")
    data = {key: value for key, value in data.items() if "__prefix__" not in key}

    response = client.post(url, {**data, "locale": "español"}, follow=True)

    assert "Must be a BCP 47 language tag" in response.content.decode()
    assert Project.objects.get(pk=project.pk).locale == "es-CL"


def test_tags_and_category_are_normalized_whoever_writes_them(org):
    project = project_create(
        actor=SYSTEM, organization=org, name="  Spaced  ", category=" Credit ", tags=[" A", "a"]
    )

    assert (project.name, project.category, project.tags) == ("Spaced", "credit", ["a"])
