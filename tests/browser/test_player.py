"""The landing page and its player in a real browser: lottie-web renders the published
template with the viewer's first name from the URL fragment, and no request carries it."""

import json
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from tests.shares.public_helpers import make_share, published_project

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).parent / "artifacts"
NAME = "Zorayda"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_the_landing_page_shows_title_subtitle_and_cta(live_server, page, org):
    project, _ = published_project(org)
    share = make_share(project, public_title="Tu tarjeta te espera", public_subtitle="Solo hoy")
    page.goto(f"{live_server.url}/v/{share.slug}")
    assert page.locator("h1").inner_text() == "Tu tarjeta te espera"
    assert page.locator("#subtitle").inner_text() == "Solo hoy"
    cta = page.locator("#cta")
    assert cta.inner_text() == "Apply now"
    assert cta.get_attribute("href") == f"/v/{share.slug}/cta"
    page.frame_locator("#player").locator("#animation svg").first.wait_for(state="attached")
    screenshot(page, "landing.png")


def test_a_script_in_the_title_is_shown_as_text_and_runs_nothing(live_server, page, org):
    project, _ = published_project(org)
    title = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2> Tu oferta"
    share = make_share(project, public_title=title)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/v/{share.slug}")
    assert page.locator("h1").inner_text() == title
    assert page.title() == title
    assert page.locator("main img").count() == 0
    assert page.evaluate("window.pwned") is None
    assert not errors
    screenshot(page, "script-title.png")


def test_the_player_shows_the_fragment_name_and_never_sends_it(live_server, page, org):
    project, _ = published_project(org)
    share = make_share(project, public_title="<script>window.pwned=1</script> Tu oferta")
    requests = []
    page.on("request", lambda request: requests.append(request))
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    fragment = quote(json.dumps({"firstName": NAME}), safe="")
    page.goto(f"{live_server.url}/v/{share.slug}#{fragment}")

    assert page.locator("h1").inner_text() == "<script>window.pwned=1</script> Tu oferta"
    assert page.evaluate("window.pwned") is None
    assert page.locator("#cta").inner_text() == "Apply now"
    player = page.frame_locator("#player")
    player.locator("#animation svg").first.wait_for(state="attached")
    # lottie-web draws each glyph as its own <text>, grouped under the layer's full text.
    headline = player.locator(f'#animation svg g[aria-label="{NAME}"]')
    headline.wait_for(state="attached")
    assert headline.text_content() == NAME
    assert player.locator("#player-error").is_hidden()

    screenshot(page, "player.png")

    urls = [request.url for request in requests]
    assert any("/api/files/" in url for url in urls), urls  # the player fetched its files
    for request in requests:
        # Browsers never put the fragment on the wire; everything else must be clean.
        sent_url = unquote(request.url.split("#", 1)[0])
        assert NAME not in sent_url, request.url
        assert NAME not in (request.post_data or "")
        assert NAME not in json.dumps(request.all_headers())
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_disabled_share_shows_the_notice(live_server, page, org):
    from shares.services import share_disable
    from tests.shares.public_helpers import SYSTEM

    project, _ = published_project(org)
    share = make_share(project)
    share_disable(actor=SYSTEM, project=project, channel="PROD")
    response = page.goto(f"{live_server.url}/v/{share.slug}")
    assert response.status == 410
    assert "Este video ya no está disponible." in page.locator("h1").inner_text()  # es-CL
    screenshot(page, "disabled.png")


def test_the_player_accepts_an_init_message_from_its_own_origin(live_server, page, org):
    from templates.files import file_url

    _, template = published_project(org)
    files = {file.role: file_url(file.pk) for file in template.files.all()}
    page.goto(f"{live_server.url}/player/")
    page.evaluate(
        "config => window.postMessage(config, window.location.origin)",
        {
            "type": "INIT",
            "templateUrl": files["template_json"],
            "manifestUrl": files["manifest_json"],
            "data": {"firstName": NAME},
        },
    )
    headline = page.locator(f'#animation svg g[aria-label="{NAME}"]')
    headline.wait_for(state="attached")
    assert headline.text_content() == NAME
