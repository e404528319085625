"""Organization branding (SPEC §16 "a page a bank would send"): ``/api/Organizations/{id}/
branding`` and its logo, the admin, and what the landing page shows of it."""

import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from PIL import Image

from backoffice.models import AuditEvent
from backoffice.roles import Role
from shares.models import OrganizationBranding
from shares.public import contrast, text_colour_on
from tests.backoffice.factories import member
from tests.shares.public_helpers import make_share, published_project

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "templates" / "fixtures"
READERS = {"Viewer", "Developer", "ProjectManager", "OrganizationAdmin", "Owner"}
WRITERS = {"OrganizationAdmin", "Owner"}


def url(org, tail: str = "") -> str:
    return f"/api/Organizations/{org.pk}/branding{tail}"


def upload(client, org, name: str = "poster.png"):
    with open(FIXTURES / name, "rb") as file:
        return client.put(url(org, "/logo"), {"logo": file}, format="multipart")


@pytest.mark.parametrize(
    "who", ["Viewer", "ProjectManager", "OrganizationAdmin", "Owner", "other", "anon"]
)
def test_who_reads_and_who_changes(client_as, org, who):
    client = client_as(who)
    read = client.get(url(org))
    write = client.patch(url(org), {"brandColour": "#004481"}, format="json")
    expected_read = 200 if who in READERS else 404 if who == "other" else 401
    expected_write = (
        200 if who in WRITERS else 403 if who in READERS else 404 if who == "other" else 401
    )
    assert read.status_code == expected_read, read.content
    assert write.status_code == expected_write, write.content
    colour = OrganizationBranding.objects.filter(organization=org).values_list(
        "brand_colour", flat=True
    )
    assert list(colour) == (["#004481"] if who in WRITERS else [])


def test_patch_changes_only_named_fields_and_null_clears(users, client_for, org):
    client = client_for(users["OrganizationAdmin"])
    assert client.get(url(org)).json() == {
        "organizationId": str(org.pk),
        "organizationName": "Banco Andino",
        "displayName": "",
        "brandColour": "",
        "privacyPolicyUrl": "",
        "logoUrl": None,
        "updatedAt": None,
    }
    body = client.patch(
        url(org),
        {
            "displayName": " Banco Andino Personas ",
            "brandColour": "#004481",
            "privacyPolicyUrl": "https://bancoandino.example/privacidad",
        },
        format="json",
    ).json()
    assert (body["displayName"], body["brandColour"]) == ("Banco Andino Personas", "#004481")
    body = client.put(url(org), {"brandColour": None}, format="json").json()
    assert body["brandColour"] == ""
    assert body["displayName"] == "Banco Andino Personas"
    assert body["privacyPolicyUrl"] == "https://bancoandino.example/privacidad"
    event = AuditEvent.objects.filter(event_type="ORGANIZATION_BRANDING_UPDATED").latest(
        "created_at"
    )
    assert event.changes == {"brandColour": {"before": "#004481", "after": ""}}


def test_every_bad_field_in_one_400(users, client_for, org):
    response = client_for(users["OrganizationAdmin"]).patch(
        url(org),
        {
            "displayName": "x" * 121,
            "brandColour": "blue",
            "privacyPolicyUrl": "javascript:alert(1)",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"displayName", "brandColour", "privacyPolicyUrl"}
    assert not OrganizationBranding.objects.exists()


def test_a_type_error_and_rule_errors_in_one_400(users, client_for, org):
    response = client_for(users["OrganizationAdmin"]).patch(
        url(org),
        {"brandColour": "red", "privacyPolicyUrl": "javascript:x", "displayName": 5},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_request"
    assert set(body["errors"]) == {"displayName", "brandColour", "privacyPolicyUrl"}
    assert body["errors"]["displayName"] == ["Must be a string."]
    assert not OrganizationBranding.objects.exists()


def test_a_logo_is_validated_re_encoded_and_served_without_the_database(
    users, client_for, org, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = client_for(users["OrganizationAdmin"])
    response = upload(client, org)
    assert response.status_code == 200, response.content
    logo_url = response.json()["logoUrl"]
    path = OrganizationBranding.objects.get(organization=org).logo_path
    assert path.startswith(f"org/{org.pk}/branding/")
    assert path.endswith(".png")
    relative = logo_url[logo_url.index("/brand/") :]
    with django_assert_num_queries(0):
        served = Client().get(relative)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert "immutable" in served["Cache-Control"]
    content = b"".join(served.streaming_content)
    assert content.startswith(b"\x89PNG")
    assert max(Image.open(io.BytesIO(content)).size) <= 256

    bad = upload(client, org, "text_named.png")
    assert bad.status_code == 400
    assert "logo" in bad.json()["errors"]
    assert Client().get(relative).status_code == 200  # the old logo stays

    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        assert client.delete(url(org, "/logo")).status_code == 204
    assert not default_storage.exists(path)
    assert Client().get(relative).status_code == 404
    assert client.delete(url(org, "/logo")).status_code == 400


def test_a_developer_cant_upload_a_logo(users, client_for, org):
    assert upload(client_for(users["ProjectManager"]), org).status_code == 403


def test_unknown_logo_and_colour_urls_are_404(org):
    web = Client()
    assert web.get(f"/brand/{org.pk}/{'0' * 32}.png").status_code == 404
    assert web.get("/brand/colour/zzzzzz.css").status_code == 404


@pytest.mark.parametrize(
    ("colour", "text"),
    [("004481", "#ffffff"), ("ffd500", "#000000"), ("777777", "#000000"), ("757575", "#ffffff")],
)
def test_the_brand_colour_stylesheet_keeps_text_readable(colour, text):
    response = Client().get(f"/brand/colour/{colour}.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode() == f":root {{ --brand: #{colour}; --on-brand: {text}; }}\n"
    assert text_colour_on(colour) == text
    assert contrast(colour, text.lstrip("#")) >= 4.5


def test_any_brand_colour_gets_text_of_at_least_aa_contrast():
    for grey in range(256):
        colour = f"{grey:02x}" * 3
        assert contrast(colour, text_colour_on(colour).lstrip("#")) >= 4.5
    for colour in ("ff0000", "00ff00", "0000ff", "ff8800", "00a0a0", "e60073"):
        assert contrast(colour, text_colour_on(colour).lstrip("#")) >= 4.5


def test_the_landing_page_shows_the_branding_and_its_footer(users, client_for, org):
    client = client_for(users["OrganizationAdmin"])
    upload(client, org)
    client.patch(
        url(org),
        {
            "displayName": "Banco Andino Personas",
            "brandColour": "#004481",
            "privacyPolicyUrl": "https://bancoandino.example/privacidad",
        },
        format="json",
    )
    share = make_share(published_project(org)[0])
    body = Client().get(f"/v/{share.slug}").content.decode()
    logo = OrganizationBranding.objects.get(organization=org).logo_path
    name = logo.rsplit("/", 1)[1]
    assert f'<img class="brand-logo" src="/brand/{org.pk}/{name}"' in body
    assert f'<link rel="icon" href="/brand/{org.pk}/{name}">' in body
    assert '<link rel="stylesheet" href="/brand/colour/004481.css">' in body
    assert '<span class="brand-name">Banco Andino Personas</span>' in body
    assert "Enviado por Banco Andino Personas" in body  # es-CL: the organization's locale
    assert 'href="https://bancoandino.example/privacidad"' in body
    assert "Política de privacidad" in body
    assert ">Pausar</button>" in body
    assert ">Volver a ver</button>" in body
    assert 'sandbox="allow-scripts"' in body


def test_without_branding_the_page_shows_the_organization_and_the_product_icon(org):
    share = make_share(published_project(org)[0], locale="pt-BR")
    body = Client().get(f"/v/{share.slug}").content.decode()
    assert '<span class="brand-name">Banco Andino</span>' in body
    assert 'rel="icon" href="/static/shares/favicon.svg"' in body
    assert "Enviado por Banco Andino" in body
    assert "Assistir de novo" in body
    assert "brand/colour" not in body
    assert "privacy" not in body


def test_organization_admins_edit_the_branding_in_the_admin(client, org):
    admin = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    manager = member(org, Role.PROJECT_MANAGER, is_staff=True)
    client.force_login(admin)
    add = reverse("admin:shares_organizationbranding_add")
    with open(FIXTURES / "poster.png", "rb") as logo:
        response = client.post(
            add,
            {
                "organization": str(org.pk),
                "display_name": "Andino",
                "brand_colour": "#004481",
                "privacy_policy_url": "https://bancoandino.example/privacidad",
                "logo": logo,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    branding = OrganizationBranding.objects.get(organization=org)
    assert (branding.display_name, branding.brand_colour) == ("Andino", "#004481")
    assert branding.logo_path
    assert (
        AuditEvent.objects.filter(
            event_type="ORGANIZATION_BRANDING_UPDATED", actor_user=admin
        ).count()
        == 2
    )  # the fields, then the logo

    change = reverse("admin:shares_organizationbranding_change", args=[branding.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert "remove_logo" in page.content.decode()
    assert client.get(reverse("admin:shares_organizationbranding_changelist")).status_code == 200
    client.force_login(manager)
    response = client.post(change, {"display_name": "Hijacked"})
    assert response.status_code == 403
    branding.refresh_from_db()
    assert branding.display_name == "Andino"


def test_the_branding_page_spells_url_in_capitals(client, users, org):
    client.force_login(users["Owner"])
    page = client.get("/admin/shares/organizationbranding/add/").content.decode()
    assert "Privacy policy URL" in page
    assert "Privacy policy url" not in page
