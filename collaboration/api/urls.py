"""Routes of collaboration, nested under ``/api/Projects/{id or slug}/`` and
``/api/Organizations/{id}/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

PROJECT = r"Projects/(?P<project_pk>[^/]+)"
ORGANIZATION = r"Organizations/(?P<organization_pk>[0-9a-f-]{36})"

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
    path(
        "Projects/<str:project_pk>/guests",
        views.GuestViewSet.as_view({"get": "list", "post": "create"}),
        name="project-guests",
    ),
    path(
        "Projects/<str:project_pk>/guests/<uuid:pk>/revoke",
        views.GuestViewSet.as_view({"post": "revoke"}),
        name="project-guest-revoke",
    ),
    path(
        "Projects/<str:project_pk>/private",
        views.VisibilityViewSet.as_view({"post": "private"}),
        name="project-private",
    ),
    path(
        "Projects/<str:project_pk>/public",
        views.VisibilityViewSet.as_view({"post": "public"}),
        name="project-public",
    ),
    *router.urls,
]
