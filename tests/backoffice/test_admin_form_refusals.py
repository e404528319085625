"""A save a service refuses comes back as Django shows a form that doesn't validate: 200,
what the user typed still in the fields, each error next to its field, nothing written.
Over real HTTP, as a logged-in staff user, for every admin whose save goes through a
service that checks fields."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from backoffice.models import AuditEvent, Organization, User
from backoffice.roles import Role
from collaboration.models import UserGroup
from credentials.models import ApiCredential
from projects.models import Project
from projects.validation import LOCALE_MESSAGE
from shares.models import OrganizationBranding
from tests.admin_forms import change_form_data
from tests.backoffice.factories import member
from tests.collaboration.factories import make_group
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def staff_admin(org: Organization) -> User:
    """An OrganizationAdmin with staff access and Django's model permissions, as the demo's."""
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


def row_of(html: str, field: str) -> str:
    """The HTML of the form row of ``field`` (its label, input and errors)."""
    start = html.index(f" field-{field}")
    end = html.find('class="form-row', start)
    return html[start : end if end != -1 else len(html)]


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Projects ------------------------------------------------------------------------------


def test_a_refused_project_save_keeps_what_was_typed(client, org):
    project = make_project(org, name="Seguro Auto", tags=["cards"])
    admin = staff_admin(org)
    client.force_login(admin)
    change = reverse("admin:projects_project_change", args=[project.pk])
    data = change_form_data(client.get(change).content.decode(), "project_form")
    data |= {"name": "Seguro Auto Renovación 2027", "tags": "insurance, auto", "locale": "xx_bad"}
    events = AuditEvent.objects.count()

    response = client.post(change, data)

    assert response.status_code == 200
    assert form_errors(response) == {"locale": [LOCALE_MESSAGE]}
    html = response.content.decode()
    assert LOCALE_MESSAGE in row_of(html, "locale")
    assert 'value="xx_bad"' in row_of(html, "locale")
    assert 'value="Seguro Auto Renovación 2027"' in row_of(html, "name")
    assert 'value="insurance, auto"' in row_of(html, "tags")
    project.refresh_from_db()
    assert (project.name, project.tags, project.locale) == ("Seguro Auto", ["cards"], "")
    assert AuditEvent.objects.count() == events

    # The user fixes only the locale: everything typed is saved.
    response = client.post(change, data | {"locale": "es-CL"})

    assert response.status_code == 302, form_errors(response)
    project.refresh_from_db()
    assert (project.name, project.tags, project.locale) == (
        "Seguro Auto Renovación 2027",
        ["insurance", "auto"],
        "es-CL",
    )


def test_a_refused_new_project_keeps_what_was_typed(client, org):
    make_project(org)  # the admin offers "add" to those who may edit a project somewhere
    client.force_login(staff_admin(org))
    add = reverse("admin:projects_project_add")
    data = change_form_data(client.get(add).content.decode(), "project_form")
    data |= {"organization": str(org.pk), "name": "Tarjeta Joven", "locale": "not a tag"}
    data["visibility"] = data.get("visibility") or "Private"

    response = client.post(add, data)

    assert response.status_code == 200
    assert LOCALE_MESSAGE in row_of(response.content.decode(), "locale")
    assert 'value="Tarjeta Joven"' in row_of(response.content.decode(), "name")
    assert not Project.objects.filter(name="Tarjeta Joven").exists()

    response = client.post(add, data | {"locale": "es"})

    assert response.status_code == 302, form_errors(response)
    assert Project.objects.get(name="Tarjeta Joven").locale == "es"


# User groups ---------------------------------------------------------------------------


def test_a_refused_group_rename_keeps_what_was_typed(client, org):
    make_group(org, "Designers")
    group = make_group(org, "QA")
    client.force_login(staff_admin(org))
    change = reverse("admin:collaboration_usergroup_change", args=[group.pk])

    response = client.post(change, {"name": "designers"})

    assert response.status_code == 200
    assert form_errors(response) == {"name": ["This name is taken."]}
    html = response.content.decode()
    assert "This name is taken." in row_of(html, "name")
    assert 'value="designers"' in row_of(html, "name")
    group.refresh_from_db()
    assert group.name == "QA"
    assert not AuditEvent.objects.filter(event_type="USER_GROUP_RENAMED").exists()

    response = client.post(change, {"name": "Quality"})

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Quality"


def test_a_refused_new_group_keeps_what_was_typed(client, org):
    make_group(org, "Designers")
    client.force_login(staff_admin(org))
    add = reverse("admin:collaboration_usergroup_add")

    response = client.post(add, {"organization": str(org.pk), "name": "DESIGNERS"})

    assert response.status_code == 200
    assert "This name is taken." in row_of(response.content.decode(), "name")
    assert 'value="DESIGNERS"' in row_of(response.content.decode(), "name")
    assert UserGroup.objects.count() == 1


# Credentials ---------------------------------------------------------------------------


def test_a_refused_credential_keeps_what_was_typed(client, org):
    project = make_project(org)
    client.force_login(staff_admin(org))
    add = reverse("admin:credentials_apicredential_add")
    past = timezone.localtime() - timedelta(days=1)
    data = {
        "project": str(project.pk),
        "name": "Kiosk",
        "channels": ["DEV"],
        "expires_at_0": past.strftime("%Y-%m-%d"),
        "expires_at_1": past.strftime("%H:%M:%S"),
    }

    response = client.post(add, data)

    assert response.status_code == 200
    assert form_errors(response) == {"expires_at": ["The expiry must be in the future."]}
    html = response.content.decode()
    assert "The expiry must be in the future." in row_of(html, "expires_at")
    assert messages_of(response) == ["Nothing was saved: The expiry must be in the future."]
    assert 'value="Kiosk"' in row_of(html, "name")
    assert not ApiCredential.objects.exists()

    response = client.post(add, data | {"expires_at_0": "", "expires_at_1": ""})

    assert response.status_code == 200  # the page that shows the secret once
    assert ApiCredential.objects.get().name == "Kiosk"


# Branding ------------------------------------------------------------------------------


def test_a_refused_branding_save_keeps_what_was_typed(client, org):
    client.force_login(member(org, Role.ORGANIZATION_ADMIN, is_staff=True))
    add = reverse("admin:shares_organizationbranding_add")
    client.post(add, {"organization": str(org.pk), "display_name": "Andino"})
    branding = OrganizationBranding.objects.get(organization=org)
    change = reverse("admin:shares_organizationbranding_change", args=[branding.pk])
    data = {
        "display_name": "Banco Andino Seguros",
        "brand_colour": "blue",
        "privacy_policy_url": "javascript:alert(1)",
    }

    response = client.post(change, data)

    assert response.status_code == 200
    assert form_errors(response) == {
        "brand_colour": ["Must be a colour as #RRGGBB."],
        "privacy_policy_url": ["Must be an absolute http: or https: URL."],
    }
    html = response.content.decode()
    assert "Must be a colour as #RRGGBB." in row_of(html, "brand_colour")
    assert 'value="Banco Andino Seguros"' in row_of(html, "display_name")
    branding.refresh_from_db()
    assert (branding.display_name, branding.brand_colour) == ("Andino", "")

    response = client.post(
        change, data | {"brand_colour": "#004481", "privacy_policy_url": "https://a.example/p"}
    )

    assert response.status_code == 302
    branding.refresh_from_db()
    assert (branding.display_name, branding.brand_colour) == ("Banco Andino Seguros", "#004481")


# Organizations -------------------------------------------------------------------------


def test_a_refused_member_change_keeps_the_typed_settings(client, org):
    admin = staff_admin(org)
    client.force_login(admin)
    change = reverse("admin:backoffice_organization_change", args=[org.pk])
    data = change_form_data(client.get(change).content.decode(), "organization_form")
    data["name"] = "Banco Andino Chile"
    for key, value in list(data.items()):
        if key.endswith("-role") and value == Role.ORGANIZATION_ADMIN:
            data[key] = Role.VIEWER  # the last OrganizationAdmin: refused

    response = client.post(change, data)

    assert response.status_code == 200
    [error] = form_errors(response)["__all__"]
    assert "at least one active OrganizationAdmin" in error
    assert 'value="Banco Andino Chile"' in row_of(response.content.decode(), "name")
    org.refresh_from_db()
    assert org.name == "Banco Andino"


def test_a_refused_organization_locale_keeps_what_was_typed(client, org):
    client.force_login(staff_admin(org))
    change = reverse("admin:backoffice_organization_change", args=[org.pk])
    data = change_form_data(client.get(change).content.decode(), "organization_form")
    data |= {"name": "Banco Andino Chile", "default_locale": "xx_bad"}
    before = org.default_locale

    response = client.post(change, data)

    assert response.status_code == 200
    assert form_errors(response) == {
        "default_locale": ["Must be a BCP 47 language tag such as es-CL."]
    }
    html = response.content.decode()
    assert "Must be a BCP 47 language tag" in row_of(html, "default_locale")
    assert 'value="xx_bad"' in row_of(html, "default_locale")
    assert 'value="Banco Andino Chile"' in row_of(html, "name")
    org.refresh_from_db()
    assert (org.name, org.default_locale) == ("Banco Andino", before)
    assert not AuditEvent.objects.filter(event_type="ORGANIZATION_UPDATED").exists()

    response = client.post(change, data | {"default_locale": "es-CL"})

    assert response.status_code == 302, form_errors(response)
    org.refresh_from_db()
    assert (org.name, org.default_locale) == ("Banco Andino Chile", "es-CL")
