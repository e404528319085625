"""Top-level routes: the API, the staff admin, health checks and the invitation page."""

from django.contrib import admin
from django.urls import include, path, re_path

from shares.home import home

from . import health, pages

urlpatterns = [
    path("api/", include("backoffice.api.urls")),
    path("api/", include("projects.api.urls")),
    path("api/", include("templates.api.urls")),
    path("api/", include("shares.api.urls")),
    path("api/", include("collaboration.api.urls")),
    path("api/", include("credentials.api.urls")),
    path("api/", include("webhooks.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("shares.urls")),
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("invitations/", pages.invitation, name="invitation"),
    path("invitations/<str:token>", pages.accept_invitation, name="invitation-page"),
    path("login", pages.SignInView.as_view(), name="login"),
    # Last: any other path under the machine prefixes is a 404 problem, even with DEBUG on.
    re_path(r"^(?P<rest>(?:api|embed)/.*)$", pages.machine_not_found),
]

handler400 = "backoffice.pages.bad_request"
handler403 = "backoffice.pages.permission_denied"
handler404 = "backoffice.pages.page_not_found"
handler500 = "backoffice.pages.server_error"
