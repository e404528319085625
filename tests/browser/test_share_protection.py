"""Shares that need a password or have expired, in a real browser (SPEC §17): the form asks,
a wrong password is refused, the right one plays the page for the rest of the session (the
cookie is scoped to that share's path), and an expired share is 410."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shares.models import PublicVideoShare
from tests.shares.public_helpers import make_share, published_project

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


def test_the_page_asks_for_the_password_and_remembers_it(live_server, page, org):
    project, _ = published_project(org)
    share = make_share(project, public_title="Tu tarjeta te espera", password=PASSWORD)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m))
    page.goto(f"{live_server.url}/v/{share.slug}")
    assert page.locator("h1").inner_text() == "Este video está protegido"
    assert page.locator("#player").count() == 0

    page.fill("#share-password", "not the password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "La contraseña no es correcta."

    page.fill("#share-password", PASSWORD)
    page.click("button[type=submit]")
    page.locator("#player").wait_for(state="attached")
    assert page.locator("h1").inner_text() == "Tu tarjeta te espera"
    assert page.url == f"{live_server.url}/v/{share.slug}"

    cookies = page.context.cookies()
    assert [(c["path"], c["httpOnly"], c["expires"]) for c in cookies] == [
        (f"/v/{share.slug}", True, -1)  # a session cookie for this share's path only
    ]
    page.reload()
    assert page.locator("h1").inner_text() == "Tu tarjeta te espera"
    assert not violations


def test_an_expired_share_is_no_longer_available(live_server, page, org):
    project, _ = published_project(org)
    share = make_share(project, expires_at=timezone.now() + timedelta(hours=1))
    assert page.goto(f"{live_server.url}/v/{share.slug}").status == 200
    PublicVideoShare.objects.filter(pk=share.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = page.goto(f"{live_server.url}/v/{share.slug}")
    assert response.status == 410
    assert "Este video ya no está disponible." in page.locator("h1").inner_text()
