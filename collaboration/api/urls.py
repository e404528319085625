"""Routes of collaboration, nested under ``/api/Projects/{projectId}/`` (id or slug) and
``/api/Organizations/{organizationId}/``."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from backoffice.api.paths import ORGANIZATION_PREFIX as ORGANIZATION
from backoffice.api.paths import uuid_kwarg
from projects.api.scoped import PROJECT_PREFIX as PROJECT

from . import views

router = SimpleRouter(trailing_slash=False)
router.register(f"{PROJECT}/comments", views.CommentViewSet, basename="project-comment")
router.register(f"{PROJECT}/members", views.MemberViewSet, basename="project-member")
router.register(f"{PROJECT}/all-users", views.AllUsersViewSet, basename="project-all-users")
router.register(
    f"{PROJECT}/user-groups", views.ProjectUserGroupViewSet, basename="project-user-group"
)
router.register(f"{PROJECT}/history", views.HistoryViewSet, basename="project-history")
router.register(f"{ORGANIZATION}/user-groups", views.UserGroupViewSet, basename="user-group")
router.register(
    f"{ORGANIZATION}/audit-events", views.AuditEventViewSet, basename="organization-audit-event"
)

urlpatterns = [
    re_path(
        rf"^{PROJECT}/guests$",
        views.GuestViewSet.as_view({"get": "list", "post": "create"}),
        name="project-guests",
    ),
    re_path(
        rf"^{PROJECT}/guests/{uuid_kwarg('pk')}/revoke$",
        views.GuestViewSet.as_view({"post": "revoke"}),
        name="project-guest-revoke",
    ),
    re_path(
        rf"^{PROJECT}/private$",
        views.VisibilityViewSet.as_view({"post": "private"}),
        name="project-private",
    ),
    re_path(
        rf"^{PROJECT}/public$",
        views.VisibilityViewSet.as_view({"post": "public"}),
        name="project-public",
    ),
    *router.urls,
]
