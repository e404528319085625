"""The share page's framed preview of the landing page, and the dashboard's chart, in a real
browser: the preview plays the template inside the admin (sandboxed, no CSP violation, no
console error, nothing counted), and the chart fits its card.
Screenshots: ``admin-share-preview-1440.png``, ``admin-dashboard-chart-1440.png``."""

from pathlib import Path

import pytest

from backoffice.roles import Role
from shares.counting import share_counts, today
from shares.models import ShareDailyCount
from shares.services import branding_update
from tests.backoffice.factories import PASSWORD, member
from tests.shares.public_helpers import SYSTEM, make_share, published_project

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).parent / "artifacts"

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def admin_page(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)  # in every frame, the preview's included
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on(
        "console",
        lambda message: message.type in ("error", "warning") and errors.append(message.text),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.errors = errors
    yield page
    context.close()


def log_in(page, live_server, org):
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.set(Permission.objects.all())
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1440, f"the page is {width} px wide"


def test_the_share_page_plays_the_landing_page_in_a_frame(live_server, admin_page, org):
    branding_update(
        actor=SYSTEM,
        organization=org,
        fields={"brand_colour": "#004481", "privacy_policy_url": "https://bank.example/privacy"},
    )
    project, _ = published_project(org)
    share = make_share(project, public_title="Tu tarjeta te espera", locale="es-CL")
    page = admin_page
    log_in(page, live_server, org)

    page.goto(f"{live_server.url}/admin/shares/publicvideoshare/{share.pk}/change/")
    preview = page.frame_locator("iframe.landing-preview")
    assert preview.locator("h1").inner_text() == "Tu tarjeta te espera"
    assert preview.locator("html").get_attribute("lang") == "es-CL"
    assert preview.locator("#toggle").inner_text() == "Pausar"
    player = preview.frame_locator("#player")
    player.locator("#animation svg").first.wait_for(state="attached")
    player.locator('#animation[data-state="playing"]').wait_for(state="attached")
    preview.locator("#toggle").click()
    player.locator('#animation[data-state="paused"]').wait_for(state="attached")
    page.locator("iframe.landing-preview").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-share-preview-1440.png"), full_page=True)

    no_overflow(page)
    # Chromium's note on a frame that keeps its origin (PREVIEW_SANDBOX says why it must):
    # the only message allowed.
    escape = "allow-scripts and allow-same-origin for its sandbox attribute can escape"
    assert [error for error in page.errors if escape not in error] == []
    assert share_counts(share.pk) == (0, 0)
    assert not ShareDailyCount.objects.exists()


def test_the_dashboard_chart_fits_its_card(live_server, admin_page, org):
    project, _ = published_project(org)
    share = make_share(project)
    for ago, views in enumerate([12, 30, 18, 0, 7, 25, 9, 14]):
        ShareDailyCount.objects.create(
            share=share,
            day=today().fromordinal(today().toordinal() - ago),
            views=views,
            cta_clicks=views // 3,
        )
    page = admin_page
    log_in(page, live_server, org)

    chart = page.locator("#percus-dashboard svg.daily-chart")
    chart.wait_for()
    card = page.locator("#percus-dashboard .dashboard-card", has=page.locator("svg.daily-chart"))
    assert chart.bounding_box()["width"] <= card.bounding_box()["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-dashboard-chart-1440.png"), full_page=True)
    no_overflow(page)
    assert page.errors == []
