"""Routes of the core API. Paths follow the Percus API (``/api/Organizations`` …)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import identity_views
from .paths import ORGANIZATION_PREFIX

router = SimpleRouter(trailing_slash=False)
router.register("tokens", identity_views.TokenViewSet, basename="token")
router.register("Organizations", identity_views.OrganizationViewSet, basename="organization")
router.register(
    f"{ORGANIZATION_PREFIX}/members",
    identity_views.MemberViewSet,
    basename="organization-member",
)
router.register(
    f"{ORGANIZATION_PREFIX}/invitations",
    identity_views.InvitationViewSet,
    basename="organization-invitation",
)

urlpatterns = [
    path("me", identity_views.MeView.as_view(), name="me"),
    path(
        "invitations/accept",
        identity_views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ``?script``: no inline script,
    # so the default Content-Security-Policy holds.
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("", include(router.urls)),
]
