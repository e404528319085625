"""Collaboration endpoints (SPEC §9 and the history of §10). Views parse, check and call
services; the project in the path is found by ``ProjectScopedViewSet`` (id or slug, visible
only, 404 otherwise) and governs the role the action needs."""

import csv
import json

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.identity_views import OrganizationScopedViewSet
from backoffice.api.pagination import CursorPagination
from backoffice.api.paths import uuid_kwarg
from backoffice.models import AuditEvent, Invitation, User
from backoffice.roles import Perm
from backoffice.services import invitation_revoke
from projects import services as project_services
from projects.api.scoped import ProjectScopedViewSet
from projects.api.serializers import ProjectDetailSerializer
from projects.constants import Visibility
from projects.models import ProjectUserObjectPermission
from projects.querysets import fill_annotations

from .. import selectors, services
from ..filters import AuditEventFilterSet
from ..models import Comment, UserGroup
from .serializers import (
    AS_GUEST,
    NAMES,
    NAMES_BY_EMAIL,
    UNNAMED,
    AudienceSerializer,
    AuditEventSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    GuestInvitationSerializer,
    GuestInviteSerializer,
    OpenGuestInvitationSerializer,
    ProjectGroupLinkSerializer,
    ProjectMemberSerializer,
    RoleInputSerializer,
    UserGroupSerializer,
    UserGroupWriteSerializer,
)


def _user_or_404(user_id: str) -> User:
    return get_object_or_404(User, pk=user_id)


# Comments -------------------------------------------------------------------------------


class CommentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectScopedViewSet):
    """Comments of a project, newest first. Every role that sees the project comments, on
    archived projects too; only the author edits; the author or an admin deletes."""

    queryset = Comment.objects.none()
    serializer_class = CommentSerializer
    pagination_class = CursorPagination
    filter_backends: list = []
    action_perms = {
        "create": Perm.COMMENT,
        "partial_update": Perm.COMMENT,
        "destroy": Perm.COMMENT,
    }

    def scoped_queryset(self):
        return selectors.project_comments(self.project)

    @extend_schema(request=CommentWriteSerializer, responses={201: CommentSerializer})
    def create(self, request, **kwargs):
        params = CommentWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        comment = services.comment_create(
            actor=Actor.for_request(request), project=self.project, **params.validated_data
        )
        return Response(self._fresh(comment), status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentWriteSerializer, responses=CommentSerializer)
    def partial_update(self, request, pk=None, **kwargs):
        # PATCH: without a message nothing changes (the schema's PatchedCommentWrite has no
        # required field), but only the author may even do that.
        params = CommentWriteSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        comment = self.get_object()
        comment = services.comment_edit(
            actor=Actor.for_request(request),
            comment=comment,
            message=params.validated_data.get("message", comment.message),
        )
        return Response(self._fresh(comment))

    def destroy(self, request, pk=None, **kwargs):
        comment = self.get_object()
        comment.project = self.project  # already loaded, with its organization
        services.comment_delete(actor=Actor.for_request(request), comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _fresh(self, comment: Comment) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=comment.pk)).data


# Members ----------------------------------------------------------------------------------


class MemberViewSet(ProjectScopedViewSet):
    """Direct grants: ``GET …/members``, ``PUT/DELETE …/members/{userId}``."""

    queryset = ProjectUserObjectPermission.objects.none()
    serializer_class = ProjectMemberSerializer
    pagination_class = None
    filter_backends: list = []
    lookup_field = "user_id"
    lookup_url_kwarg = "userId"
    action_perms = {"update": Perm.MANAGE_PROJECT_MEMBERS, "destroy": Perm.MANAGE_PROJECT_MEMBERS}

    def scoped_queryset(self):
        return selectors.project_members(self.project)

    def list(self, request, **kwargs):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def _member_candidate(self, user_id: str) -> User:
        """A member of the project's organization or someone already granted here; anyone
        else is a 404 (guests are added by e-mail through ``…/guests``)."""
        user = User.objects.filter(
            Q(memberships__organization_id=self.project.organization_id)
            | Q(projectuserobjectpermission__content_object=self.project),
            pk=user_id,
        ).first()
        if user is None:
            raise NotFound()
        return user

    @extend_schema(request=RoleInputSerializer, responses=ProjectMemberSerializer)
    def update(self, request, **kwargs):
        params = RoleInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = self._member_candidate(self.kwargs["userId"])
        services.member_set(
            actor=Actor.for_request(request),
            project=self.project,
            user=user,
            role=params.validated_data["role"],
        )
        member = self.get_queryset().get(user=user)
        return Response(self.get_serializer(member).data)

    def destroy(self, request, **kwargs):
        user = self._member_candidate(self.kwargs["userId"])
        services.member_remove(actor=Actor.for_request(request), project=self.project, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AllUsersViewSet(ProjectScopedViewSet):
    """Everyone who sees the project, why, and their effective role."""

    queryset = ProjectUserObjectPermission.objects.none()
    serializer_class = AudienceSerializer
    pagination_class = None
    filter_backends: list = []

    def scoped_queryset(self):  # the audience is computed, not a queryset
        return ProjectUserObjectPermission.objects.none()

    @extend_schema(responses=AudienceSerializer(many=True))
    def list(self, request, **kwargs):
        audience = selectors.project_audience(self.project)
        return Response(self.get_serializer(audience, many=True).data)


# User groups ----------------------------------------------------------------------------


class ProjectUserGroupViewSet(ProjectScopedViewSet):
    """Groups linked to a project: ``GET …/user-groups``, ``PUT/DELETE …/{groupId}``."""

    queryset = UserGroup.objects.none()
    serializer_class = ProjectGroupLinkSerializer
    pagination_class = None
    filter_backends: list = []
    action_perms = {"update": Perm.MANAGE_PROJECT_MEMBERS, "destroy": Perm.MANAGE_PROJECT_MEMBERS}

    def scoped_queryset(self):
        return selectors.project_group_links(self.project)

    def list(self, request, **kwargs):
        return Response(ProjectGroupLinkSerializer(self.get_queryset(), many=True).data)

    def _user_group(self, pk: str) -> UserGroup:
        """A group of the project's organization; another organization's is a 404."""
        return get_object_or_404(
            UserGroup.objects.select_related("group"),
            pk=pk,
            organization_id=self.project.organization_id,
        )

    @extend_schema(request=RoleInputSerializer, responses=ProjectGroupLinkSerializer)
    def update(self, request, pk=None, **kwargs):
        params = RoleInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user_group = self._user_group(pk)
        services.project_group_link(
            actor=Actor.for_request(request),
            project=self.project,
            user_group=user_group,
            role=params.validated_data["role"],
        )
        link = self.get_queryset().get(group=user_group.group)
        return Response(ProjectGroupLinkSerializer(link).data)

    def destroy(self, request, pk=None, **kwargs):
        services.project_group_unlink(
            actor=Actor.for_request(request), project=self.project, user_group=self._user_group(pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserGroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet):
    """Organization-level user groups; members may read, OrganizationAdmins change."""

    queryset = UserGroup.objects.none()
    serializer_class = UserGroupSerializer
    pagination_class = None
    filter_backends: list = []
    action_perms = {
        "create": Perm.MANAGE_ORGANIZATION,
        "partial_update": Perm.MANAGE_ORGANIZATION,
        "destroy": Perm.MANAGE_ORGANIZATION,
        "members": Perm.MANAGE_ORGANIZATION,
    }

    def scoped_queryset(self):
        return selectors.organization_user_groups(self.organization.pk)

    @extend_schema(request=UserGroupWriteSerializer, responses={201: UserGroupSerializer})
    def create(self, request, **kwargs):
        params = UserGroupWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user_group = services.user_group_create(
            actor=Actor.for_request(request),
            organization=self.organization,
            **params.validated_data,
        )
        return Response(self._fresh(user_group), status=status.HTTP_201_CREATED)

    @extend_schema(request=UserGroupWriteSerializer, responses=UserGroupSerializer)
    def partial_update(self, request, pk=None, **kwargs):
        # PATCH: without a name nothing changes (the schema's PatchedUserGroupWrite has no
        # required field).
        params = UserGroupWriteSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        user_group = self.get_object()
        if "name" in params.validated_data:
            user_group = services.user_group_rename(
                actor=Actor.for_request(request), user_group=user_group, **params.validated_data
            )
        return Response(self._fresh(user_group))

    def destroy(self, request, pk=None, **kwargs):
        services.user_group_delete(actor=Actor.for_request(request), user_group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=UserGroupSerializer)
    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=f"members/{uuid_kwarg('userId')}",
    )
    def members(self, request, **kwargs):
        user_group = self.get_object()
        user = _user_or_404(self.kwargs["userId"])
        change = (
            services.user_group_add_member
            if request.method == "PUT"
            else services.user_group_remove_member
        )
        change(actor=Actor.for_request(request), user_group=user_group, user=user)
        return Response(self._fresh(user_group))

    def _fresh(self, user_group: UserGroup) -> dict:
        return UserGroupSerializer(self.get_queryset().get(pk=user_group.pk)).data


# Guests and visibility --------------------------------------------------------------------


class GuestViewSet(ProjectScopedViewSet):
    """``POST …/guests``: an invitation e-mailed with a single-use link; 202 whether or not
    the address has an account (the grant comes when the person accepts). ``GET …/guests``
    lists the open ones (accepted ones are members, see ``…/members``) and
    ``POST …/guests/{invitationId}/revoke`` kills a link."""

    queryset = Invitation.objects.none()
    serializer_class = OpenGuestInvitationSerializer
    pagination_class = None
    filter_backends: list = []
    default_perm = Perm.MANAGE_PROJECT_MEMBERS

    def scoped_queryset(self):
        return (
            Invitation.objects.filter(project_id=self.project.pk, accepted_at=None, revoked_at=None)
            .select_related("user", "invited_by", "organization")
            .order_by("-created_at", "-id")
        )

    @extend_schema(responses=OpenGuestInvitationSerializer(many=True))
    def list(self, request, **kwargs):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    @extend_schema(request=None, responses=OpenGuestInvitationSerializer)
    def revoke(self, request, pk=None, **kwargs):
        # The organization invitations' revoke: the link dies, the event names the project.
        invitation = invitation_revoke(
            actor=Actor.for_request(request), invitation=self.get_object()
        )
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=GuestInviteSerializer, responses={202: GuestInvitationSerializer})
    def create(self, request, **kwargs):
        params = GuestInviteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        invitation = services.guest_invite(
            actor=Actor.for_request(request), project=self.project, **params.validated_data
        )
        answer = {
            "email": User.objects.normalize_email(params.validated_data["email"].strip()),
            "role": invitation.role,
            "expires_at": invitation.expires_at,
        }
        return Response(GuestInvitationSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


class VisibilityViewSet(ProjectScopedViewSet):
    """``POST …/private`` and ``POST …/public``."""

    queryset = User.objects.none()
    serializer_class = ProjectDetailSerializer
    default_perm = Perm.EDIT_PROJECTS

    def scoped_queryset(self):
        return User.objects.none()

    def _set(self, request, visibility: str) -> Response:
        project = project_services.project_set_visibility(
            actor=Actor.for_request(request), project=self.project, visibility=visibility
        )
        fill_annotations(project)
        return Response(ProjectDetailSerializer(project, context={"request": request}).data)

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    def private(self, request, **kwargs):
        return self._set(request, Visibility.PRIVATE)

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    def public(self, request, **kwargs):
        return self._set(request, Visibility.ORGANIZATION)


# History and the audit log ----------------------------------------------------------------


class HistoryViewSet(mixins.ListModelMixin, ProjectScopedViewSet):
    """The project's audit events, newest first, cursor paged. A guest sees the people of
    the events by display name (two more queries per page)."""

    queryset = AuditEvent.objects.none()
    serializer_class = AuditEventSerializer
    pagination_class = CursorPagination
    filter_backends: list = []

    def scoped_queryset(self):
        return AuditEvent.objects.filter(project_id=self.project.pk)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        if context[AS_GUEST]:
            context[NAMES], context[NAMES_BY_EMAIL] = _people_named_by(page)
        data = self.get_serializer_class()(page, many=True, context=context).data
        return self.get_paginated_response(data)


def _people_named_by(events) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The display names of the people these events name: actors and user targets (by id),
    and, per comment, the people it mentions (by e-mail, as the comment shows them). Two
    queries, whatever the page's length."""
    ids, comment_ids = set(), set()
    for event in events:
        if event.actor_user_id:
            ids.add(str(event.actor_user_id))
        for t in event.targets or []:
            if t.get("type") == "user" and t.get("id"):
                ids.add(t["id"])
            elif t.get("type") == "comment" and t.get("id"):
                comment_ids.add(t["id"])
    by_id = {
        str(pk): name or UNNAMED
        for pk, name in User.objects.filter(pk__in=ids).values_list("pk", "display_name")
    }
    mentioned = Comment.mentioned_users.through.objects.filter(comment_id__in=comment_ids)
    by_comment: dict[str, dict[str, str]] = {}
    rows = mentioned.values_list("comment_id", "user__email", "user__display_name")
    for comment_id, email, name in rows:
        by_comment.setdefault(str(comment_id), {})[email.lower()] = name or UNNAMED
    return by_id, by_comment


class CSVRenderer(renderers.BaseRenderer):
    """Lets ``?format=csv`` through content negotiation; the CSV itself is streamed by the
    view. Errors (problem details) are still written as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "id",
    "createdAt",
    "eventType",
    "actorKind",
    "actorUserId",
    "actorId",
    "actorLabel",
    "projectId",
    "targets",
    "changes",
]
CSV_COLUMNS = [
    "id",
    "created_at",
    "event_type",
    "actor_kind",
    "actor_user_id",
    "actor_id",
    "actor_label",
    "project_id",
    "targets",
    "changes",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    text = str(value)
    # A cell a spreadsheet would run as a formula is quoted (CSV injection).
    return "'" + text if text.startswith(FORMULA_START) else text


def stream_csv(queryset) -> StreamingHttpResponse:
    """Rows straight from a server-side cursor (``iterator``): constant memory whatever the
    number of events. The database sees the query's parameters once before the response
    starts (``exists``): after the status line a failure could only cut the body short and
    the client would keep a truncated file as if complete."""
    queryset.exists()
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_HEADER)
        for values in queryset.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
            yield writer.writerow([_cell(value) for value in values])

    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
    return response


class AuditEventViewSet(mixins.ListModelMixin, OrganizationScopedViewSet):
    """The organization's audit log (OrganizationAdmin): filters, cursor pages, CSV."""

    queryset = AuditEvent.objects.none()
    serializer_class = AuditEventSerializer
    pagination_class = CursorPagination
    filterset_class = AuditEventFilterSet
    default_perm = Perm.MANAGE_ORGANIZATION
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def scoped_queryset(self):
        return AuditEvent.objects.filter(organization=self.organization)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return self.export(request, *args, **kwargs)
        return super().list(request, *args, **kwargs)

    # ``filters=True``: the list's filters apply here too, and the schema says so (an action
    # that isn't the list gets no filter parameters by default).
    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"])
    def export(self, request, **kwargs):
        events = self.filter_queryset(self.get_queryset()).order_by("-created_at", "-id")
        return stream_csv(events)
