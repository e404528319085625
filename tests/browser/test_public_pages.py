"""The public pages as a bank's customer sees them (SPEC §16): axe-core finds no
accessibility violation on the landing page, the "not available" pages and the player, at
375 px and 1440 px (screenshots kept in ``tests/browser/artifacts/``); the controls work,
reduced motion starts paused, and no request carries the viewer's data."""

import json
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from shares.services import branding_logo_set, branding_update, channel_unpublish, share_disable
from tests.shares.public_helpers import SYSTEM, make_share, published_project

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
POSTER = ROOT / "tests" / "templates" / "fixtures" / "poster.png"
WIDTHS = (375, 1440)
NAME = "Zorayda"


@pytest.fixture
def branded(org):
    branding_update(
        actor=SYSTEM,
        organization=org,
        fields={
            "display_name": "Banco Andino",
            "brand_colour": "#004481",
            "privacy_policy_url": "https://bancoandino.example/privacidad",
        },
    )
    branding_logo_set(actor=SYSTEM, organization=org, data=POSTER.read_bytes())
    project, _ = published_project(org)
    return project


def open_page(chromium, width: int, **options):
    """A page of a fresh context; axe is evaluated through the DevTools protocol, which the
    pages' strict CSP doesn't apply to, so nothing in the pages is loosened for the test."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE}): npm ci")
    context = chromium.new_context(viewport={"width": width, "height": 900}, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)})))"
    )
    return result


def check(chromium, url: str, name: str, *, status: int, frame_ready: bool = False) -> None:
    for width in WIDTHS:
        context, page = open_page(chromium, width)
        try:
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
            page.on(
                "response",
                lambda r, errors=errors: (
                    r.status >= 400 and r.url != url and errors.append(f"{r.status} {r.url}")
                ),
            )
            response = page.goto(url)
            assert response.status == status
            if frame_ready:
                page.frame_locator("#player").locator("#animation svg").first.wait_for(
                    state="attached"
                )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            assert axe_violations(page) == [], f"{name} at {width} px"
            # No CSP report, no missing file (a favicon), no sandbox warning; the only error
            # allowed is the notice's own status.
            own = f"the server responded with a status of {status}"
            assert [e for e in errors if status == 200 or own not in e] == [], errors
        finally:
            context.close()


def test_the_landing_page_has_no_accessibility_violations(live_server, chromium, branded):
    share = make_share(branded, public_title="Tu tarjeta te espera", public_subtitle="Solo hoy")
    check(chromium, f"{live_server.url}/v/{share.slug}", "landing", status=200, frame_ready=True)


def test_an_unbranded_page_has_none_either(live_server, chromium, org):
    share = make_share(published_project(org)[0], locale="pt-BR")
    check(chromium, f"{live_server.url}/v/{share.slug}", "landing-plain", status=200)


def test_the_not_available_pages_have_no_violations(live_server, chromium, branded):
    share = make_share(branded)
    channel_unpublish(actor=SYSTEM, project=branded, channel="PROD")
    check(chromium, f"{live_server.url}/v/{share.slug}", "not-yet", status=404)
    share_disable(actor=SYSTEM, project=branded, channel="PROD")
    check(chromium, f"{live_server.url}/v/{share.slug}", "no-longer", status=410)


def test_the_player_page_has_no_violations(live_server, chromium, branded):
    share = make_share(branded)
    # The player as the landing page loads it (its configuration in the fragment).
    context, page = open_page(chromium, 1440)
    try:
        page.goto(f"{live_server.url}/v/{share.slug}")
        player_url = page.locator("#player").get_attribute("src")
    finally:
        context.close()
    check(chromium, f"{live_server.url}{player_url}", "player", status=200)


def test_controls_pause_and_replay_and_no_request_carries_the_viewer(
    live_server, chromium, branded
):
    share = make_share(branded)
    context, page = open_page(chromium, 1440)
    try:
        requests = []
        page.on("request", lambda request: requests.append(request))
        fragment = quote(json.dumps({"firstName": NAME}), safe="")
        page.goto(f"{live_server.url}/v/{share.slug}#{fragment}")
        player = page.frame_locator("#player")
        player.locator(f'#animation svg g[aria-label="{NAME}"]').wait_for(state="attached")
        assert player.locator("html").get_attribute("lang") == "es-CL"
        toggle = page.locator("#toggle")
        assert toggle.inner_text() == "Pausar"  # es-CL, the organization's locale
        wait_state(page, "playing")
        toggle.click()
        assert toggle.inner_text() == "Reproducir"
        assert toggle.get_attribute("aria-pressed") == "true"
        wait_state(page, "paused")
        page.locator("#replay").click()
        assert toggle.inner_text() == "Pausar"
        wait_state(page, "playing")
        page.locator("#privacy").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "landing-controls-1440.png"), full_page=True)
        urls = [request.url for request in requests]
        assert any("/brand/" in url and url.endswith(".png") for url in urls), urls
        assert any("/api/files/" in url for url in urls), urls
        assert not any("bancoandino.example" in url for url in urls)  # the footer link
        for request in requests:
            sent = unquote(request.url.split("#", 1)[0])
            assert NAME not in sent, request.url
            assert NAME not in (request.post_data or "")
            assert NAME not in json.dumps(request.all_headers())
    finally:
        context.close()


def wait_state(page, state: str) -> None:
    """The player marks what lottie-web is doing on its container."""
    page.frame_locator("#player").locator(f'#animation[data-state="{state}"]').wait_for(
        state="attached"
    )


def test_reduced_motion_starts_paused(live_server, chromium, branded):
    share = make_share(branded, locale="en-GB")
    context, page = open_page(chromium, 375, reduced_motion="reduce")
    try:
        page.goto(f"{live_server.url}/v/{share.slug}")
        page.frame_locator("#player").locator("#animation svg").first.wait_for(state="attached")
        toggle = page.locator("#toggle")
        wait_state(page, "paused")
        assert toggle.inner_text() == "Play"
        assert toggle.get_attribute("aria-pressed") == "true"
        page.wait_for_timeout(600)
        wait_state(page, "paused")  # still paused: nothing started it
        toggle.click()
        assert toggle.inner_text() == "Pause"
        wait_state(page, "playing")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "landing-reduced-motion-375.png"), full_page=True)
    finally:
        context.close()
