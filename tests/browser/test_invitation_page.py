"""The invitation link in a real browser (SPEC §16): the token travels in the URL fragment,
the page's script posts it, no request line ever carries it, and the person joins."""

import pytest

from backoffice.actors import Actor
from backoffice.models import Membership, User
from backoffice.services import invitation_create

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase 42"


def test_following_the_link_accepts_without_the_token_in_any_request(live_server, page, org):
    sent = invitation_create(
        actor=Actor.system("tests"), organization=org, email="ana@example.com", role="Viewer"
    )
    token = sent.link.rsplit("#", 1)[1]
    requested, errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(f"{live_server.url}/invitations/#{token}")
    page.get_by_role("heading", name=f"Join {org.name}").wait_for()
    assert "#" not in page.url  # taken off the address bar and the history

    page.fill("#id_display_name", "Ana")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Accept the invitation").click()
    page.wait_for_load_state()

    user = User.objects.get(email="ana@example.com")
    assert user.status == User.Status.ACTIVE
    assert Membership.objects.filter(user=user, organization=org).exists()
    assert requested  # the page, its script, the two posts
    assert [url for url in requested if token in url] == []
    assert errors == []  # no CSP violation, no script error
