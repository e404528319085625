"""The reference the project list is measured against (issue 20): the list a competent
Django developer would write with DRF's stock parts, served by the bench servers only.

- a plain ``ModelSerializer`` with the same item fields as ``ProjectSerializer`` (DRF's
  field-by-field path; snake_case keys, as DRF writes them);
- DRF's ``LimitOffsetPagination`` (30 a page) with its plain ``COUNT(*)``;
- scoping by organization membership (a join on the caller's active memberships), the
  trash left out, ``select_related`` for the creator and the organization (the effective
  locale reads it), the comment count as ``Count("comments")``;
- the project's own authentication, permissions and JSON renderer (DRF settings), so the
  request pays the same token check as the product's list.

It is mounted by ``bench_settings`` (``ROOT_URLCONF = "reference_list"``: the product's
routes plus ``/bench/reference/Projects``) and never by ``backoffice.urls``: the product
does not serve it. Guests see nothing here (no grants): the reference is measured as the
OrganizationAdmin only.
"""

from django.db.models import Count
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination

from backoffice.urls import (  # noqa: F401 - the error handlers of the product's URLconf
    handler400,
    handler403,
    handler404,
    handler500,
)
from backoffice.urls import urlpatterns as product_urlpatterns
from projects.constants import Ownership
from projects.models import Project
from projects.thumbnails import thumbnail_urls

REFERENCE_PATH = "bench/reference/Projects"


class ReferencePagination(LimitOffsetPagination):
    default_limit = 30
    max_limit = 200


class ReferenceProjectSerializer(serializers.ModelSerializer):
    effective_locale = serializers.ReadOnlyField()
    ownership = serializers.SerializerMethodField()
    comment_count = serializers.IntegerField(read_only=True)
    thumbnails = serializers.SerializerMethodField()
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "organization",
            "name",
            "slug",
            "description",
            "status",
            "visibility",
            "job_code",
            "external_id",
            "category",
            "tags",
            "parent",
            "locale",
            "effective_locale",
            "ownership",
            "comment_count",
            "thumbnails",
            "created_at",
            "created_by",
            "created_by_name",
            "updated_at",
            "archived_at",
            "trashed_at",
        ]
        read_only_fields = fields

    def get_ownership(self, project: Project) -> str:
        # Scoped by membership: every row is of one of the caller's organizations.
        return Ownership.INTERNAL

    def get_thumbnails(self, project: Project) -> dict[str, str | None]:
        request = self.context["request"]
        return {
            name: url and request.build_absolute_uri(url)
            for name, url in thumbnail_urls(project).items()
        }

    def get_created_by_name(self, project: Project) -> str | None:
        user = project.created_by
        return None if user is None else user.display_name or user.email


class ReferenceProjectList(generics.ListAPIView):
    serializer_class = ReferenceProjectSerializer
    pagination_class = ReferencePagination
    filter_backends = []

    def get_queryset(self):
        return (
            Project.objects.filter(
                organization__memberships__user=self.request.user,
                organization__memberships__deactivated_at__isnull=True,
                trashed_at__isnull=True,
            )
            .select_related("created_by", "organization")
            .annotate(comment_count=Count("comments"))
            .order_by("-created_at", "-id")
        )


urlpatterns = [
    path(REFERENCE_PATH, ReferenceProjectList.as_view(), name="bench-reference-projects"),
    *product_urlpatterns,
]
