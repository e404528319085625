"""What a newcomer to the demo does first: log in to the admin with each login the demo
prints (through the login form), open ``/``, follow its links, see the live landing page."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LOGIN_LINE = re.compile(r"^(?P<label>.+ login \(.+\)): (?P<email>\S+) / (?P<password>\S+)$")


@pytest.fixture
def printed_logins() -> dict[str, tuple[str, str]]:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    logins = {}
    for line in out.getvalue().splitlines():
        match = LOGIN_LINE.match(line.strip())
        if match:
            logins[match["label"]] = (match["email"], match["password"])
    return logins


def test_the_demo_prints_a_staff_admin_login_and_the_owner_login(printed_logins):
    assert set(printed_logins) == {
        "Staff admin login (OrganizationAdmin)",
        "Owner login (superuser)",
    }


@pytest.mark.parametrize(
    "label", ["Staff admin login (OrganizationAdmin)", "Owner login (superuser)"]
)
def test_each_printed_login_opens_the_admin(printed_logins, label):
    email, password = printed_logins[label]
    client = Client()
    form = client.get("/admin/login/")
    assert form.status_code == 200

    response = client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/admin/"
    page = response.content.decode()
    assert "Log out" in page
    # The index offers the product's pages, not "nothing to view or edit".
    for model in ("Projects", "Video templates", "Public video shares", "Audit events"):
        assert f">{model}<" in page, model
    assert client.get("/admin/projects/project/").status_code == 200
    # "View site" leads to the home page.
    assert 'href="/"' in page


@override_settings(HOME_LINKS_DEMO=True)
def test_the_home_page_links_the_admin_the_api_docs_and_the_live_demo_landing(printed_logins):
    client = Client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/admin/"' in html
    assert 'href="/api/docs"' in html
    landing = re.search(r'href="https?://[^/"]+(/v/[^"]+)"', html)
    assert landing, html

    public = client.get(landing[1])

    assert public.status_code == 200  # enabled and live: its channel serves a template
    assert "Tu tarjeta pre-aprobada te espera" in public.content.decode()
    assert client.get("/api/docs").status_code == 200


@override_settings(HOME_LINKS_DEMO=False)
def test_outside_development_the_home_page_names_no_share(printed_logins):
    html = Client().get("/").content.decode()
    assert 'href="/admin/"' in html
    assert "/v/" not in html
