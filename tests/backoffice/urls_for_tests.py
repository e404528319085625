"""A test-only URLconf: the real routes, plus views that exist only to exercise the API
conventions (an unhandled exception, a list that needs the active organization)."""

from django.urls import path
from rest_framework import mixins
from rest_framework.views import APIView

from backoffice.api.active_org import active_organization
from backoffice.api.identity_serializers import MemberSerializer
from backoffice.api.viewsets import ScopedViewSet
from backoffice.models import Membership
from backoffice.urls import urlpatterns as real_urlpatterns

SECRET_IN_TRACEBACK = "do-not-leak-this-traceback-text"


def plain_view_that_breaks(request):
    raise RuntimeError(SECRET_IN_TRACEBACK)


class ApiViewThatBreaks(APIView):
    def get(self, request):
        raise RuntimeError(SECRET_IN_TRACEBACK)


class ActiveOrgMemberList(mixins.ListModelMixin, ScopedViewSet):
    """A list scoped by the active organization rather than by the path."""

    serializer_class = MemberSerializer

    def permission_scope(self):
        return active_organization(self.request)

    def scoped_queryset(self):
        return (
            Membership.objects.filter(organization=active_organization(self.request))
            .select_related("user")
            .order_by("user__email")
        )


urlpatterns = [
    path("api/test-only/plain-boom", plain_view_that_breaks),
    path("api/test-only/drf-boom", ApiViewThatBreaks.as_view()),
    path("api/test-only/members", ActiveOrgMemberList.as_view({"get": "list"})),
    *real_urlpatterns,
]

handler400 = "backoffice.pages.bad_request"
handler403 = "backoffice.pages.permission_denied"
handler404 = "backoffice.pages.page_not_found"
handler500 = "backoffice.pages.server_error"
