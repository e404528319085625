"""A walk through the staff admin as each role, on the demo data, in a real Chromium at
1440 by 900: every changelist and change page the role is offered (and, for the Owner, each
History page and the confirmation pages), each screenshot to ``tests/browser/artifacts/``.
The walk fails on a page wider than the window, a box inside the content that scrolls
sideways (a changelist's results, a module, a table wider than its box), a
Content-Security-Policy violation, a console error, an uncaught script error or an answer
of 400 or more."""

from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from backoffice.actors import Actor
from backoffice.models import User
from backoffice.services import user_grant_model_permissions, user_update_profile

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).with_name("artifacts")
WIDTH, HEIGHT = 1440, 900
PASSWORD = "demo-password"
ROLES = {
    "owner": "owner@demo.percus.local",
    "orgadmin": "admin@demo.percus.local",
    "pm": "pm@demo.percus.local",
    "dev": "dev@demo.percus.local",
    "viewer": "viewer@demo.percus.local",
}
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
#: The boxes inside the content that are wider inside than out: a table that scrolls
#: sideways in its box (Django's ``.results`` scrolls with ``overflow-x: auto``), or spills
#: out of its module. Each is named by its nearest id or class and the pixels it hides.
INNER_OVERFLOW = """
() => {
  const boxes = document.querySelectorAll(
    "#content #changelist .results, #content .module, #content table, #content fieldset,"
    + " #content .form-row, #content .dashboard-card, #content-related"
  );
  const found = [];
  for (const box of boxes) {
    const hidden = box.scrollWidth - box.clientWidth;
    if (hidden > 1 && box.clientWidth > 0) {
      const name = box.id ? `#${box.id}`
        : box.tagName.toLowerCase() + (box.className ? `.${[...box.classList].join(".")}` : "");
      const where = box.closest("[id]");
      found.push(`${where && where !== box ? `#${where.id} ` : ""}${name} hides ${hidden}px`);
    }
  }
  return found;
}
"""


@pytest.fixture
def demo(db):
    """The demo data, with more of what the admin lists (a credential, a comment, a group,
    a token, a webhook endpoint and its failed delivery, deploy requests, a STAGING share
    that is not live), and every demo member given staff access as the demo gives its
    admin. Values are as long as real ones (URLs, errors, names), so the lists must fit."""
    call_command("load_demo_data", stdout=StringIO())
    from backoffice.services import token_create
    from collaboration.services import comment_create, user_group_add_member, user_group_create
    from credentials.services import credential_create
    from projects.models import Project
    from shares.services import deploy_request_create, deploy_request_reject, share_upsert
    from templates.models import Template
    from webhooks.constants import EVENT_NAMES
    from webhooks.models import WebhookDelivery
    from webhooks.services import delivery_attempt, webhook_create

    actor = Actor.system("browser walk")
    project = Project.objects.get(slug="credito-pre-aprobado-q2")
    admin = User.objects.get(email=ROLES["orgadmin"])
    pm = User.objects.get(email=ROLES["pm"])
    webhook_create(
        actor=Actor.for_user(admin),
        organization=project.organization,
        url="http://127.0.0.1:9/percus/hooks/banco-andino/production-receiver-endpoint",
        events=EVENT_NAMES,
        description="CRM del banco",
    )
    credential_create(actor=actor, project=project, name="CRM del banco", channels=["PROD"])
    template = Template.objects.filter(project=project).first()
    rejected = deploy_request_create(
        actor=Actor.for_user(pm), project=project, template_id=template.pk
    )
    deploy_request_reject(
        actor=Actor.for_user(admin),
        request=rejected,
        reason="El CTA apunta a la página antigua; corríjanlo antes de publicar.",
    )
    deploy_request_create(actor=Actor.for_user(pm), project=project, template_id=template.pk)
    share_upsert(
        actor=actor,
        project=project,
        channel="STAGING",
        fields={"public_title": "Vista previa para el banco", "password": "staging-secret"},
    )
    token_create(actor=actor, user=pm, name="Integración del CRM de marketing (producción)")
    for delivery in WebhookDelivery.objects.all():  # nothing listens there: a refused call
        delivery_attempt(delivery_id=delivery.pk)
    comment_create(
        actor=Actor.for_user(admin), project=project, message="Listo para PROD, revisen el CTA."
    )
    group = user_group_create(actor=actor, organization=project.organization, name="Diseño")
    user_group_add_member(actor=actor, user_group=group, user=User.objects.get(email=ROLES["dev"]))
    for email in (ROLES["pm"], ROLES["dev"], ROLES["viewer"]):
        user = User.objects.get(email=email)
        user_update_profile(actor=actor, user=user, is_staff=True)
        user_grant_model_permissions(
            actor=actor,
            user=user,
            app_labels=["backoffice", "projects", "video_templates", "shares", "credentials",
                        "collaboration", "webhooks"],
        )  # fmt: skip


class Walk:
    """Visits pages and remembers what went wrong on each."""

    def __init__(self, page, base: str, role: str):
        self.page, self.base, self.role = page, base, role
        self.problems: list[str] = []
        self.shots: list[str] = []
        self.current = ""
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{self.current}: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"{self.current}: console {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.url.startswith(self.base):
            self.problems.append(f"{self.current}: {response.status} {response.url}")

    def visit(self, path: str, name: str) -> None:
        self.current = path
        response = self.page.goto(self.base + path)
        assert response is not None
        self.page.wait_for_load_state("load")
        overflow = self.page.evaluate(OVERFLOW)
        if overflow > 0:
            self.problems.append(f"{path}: {overflow}px wider than the {WIDTH}px window")
        for inner in self.page.evaluate(INNER_OVERFLOW):
            self.problems.append(f"{path}: {inner} (scrolls sideways)")
        shot = f"{self.role}-{name}.png"
        self.page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        self.shots.append(shot)

    def links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
        return [urlsplit(href).path + (f"?{urlsplit(href).query}" if urlsplit(href).query else "")
                for href in hrefs]  # fmt: skip


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def model_name(changelist: str) -> str:
    return "-".join(part for part in changelist.split("/")[2:4])


@pytest.mark.parametrize("role", list(ROLES))
def test_walk_the_admin(role, demo, live_server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(20_000)
    walk = Walk(page, live_server.url, role)
    try:
        log_in(page, live_server.url, ROLES[role])
        walk.visit("/admin/", "index")
        changelists = sorted(
            {
                link
                for link in walk.links("#content-main tr[class^=model-] th a")
                if not link.endswith("/add/")
            }
        )
        assert changelists, "the index offers nothing"
        for changelist in changelists:
            name = model_name(changelist)
            walk.visit(changelist, f"{name}-list")
            rows = [
                link
                for link in walk.links("#result_list tbody tr a")
                if link.startswith(changelist) and link.endswith("/change/")
            ]
            if not rows:
                continue
            walk.visit(rows[0], f"{name}-change")
            if role == "owner":
                history = walk.links("a.historylink")
                if history:
                    walk.visit(history[0], f"{name}-history")
        if role in ("owner", "orgadmin"):
            walk_confirmations(walk)
    finally:
        context.close()
    assert walk.problems == [], "\n".join(walk.problems)


def walk_confirmations(walk: Walk) -> None:
    """The pages that ask before what can't be undone: a project's delete, and the archive,
    trash, unpublish, disable and revoke actions on the demo's rows."""
    from credentials.models import ApiCredential
    from projects.models import Project
    from shares.models import DistributionChannel, PublicVideoShare

    project = Project.objects.get(slug="credito-pre-aprobado-q2")
    walk.visit(f"/admin/projects/project/{project.pk}/delete/", "projects-project-delete")
    page = walk.page
    for changelist, action, row, name in (
        ("/admin/projects/project/", "archive", project.pk, "projects-project-archive"),
        ("/admin/projects/project/", "trash", project.pk, "projects-project-trash"),
        (
            "/admin/shares/distributionchannel/",
            "unpublish",
            DistributionChannel.objects.get(project=project, channel="PROD").pk,
            "shares-distributionchannel-unpublish",
        ),
        (
            "/admin/shares/publicvideoshare/",
            "rotate_slug",
            PublicVideoShare.objects.get(project=project, channel="PROD").pk,
            "shares-publicvideoshare-rotate",
        ),
        (
            "/admin/credentials/apicredential/",
            "revoke",
            ApiCredential.objects.get(project=project).pk,
            "credentials-apicredential-revoke",
        ),
    ):
        walk.current = changelist
        page.goto(walk.base + changelist)
        page.locator(f'input.action-select[value="{row}"]').check()
        page.select_option("select[name=action]", action)
        page.click("button[name=index]")
        page.locator("#confirmed-objects").wait_for()
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            walk.problems.append(f"{name}: {overflow}px too wide")
        for inner in page.evaluate(INNER_OVERFLOW):
            walk.problems.append(f"{name}: {inner} (scrolls sideways)")
        page.screenshot(path=str(ARTIFACTS / f"{walk.role}-{name}.png"), full_page=True)
        walk.shots.append(f"{walk.role}-{name}.png")
