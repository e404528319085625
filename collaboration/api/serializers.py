"""Representations (camelCase) of comments, members, user groups and audit events."""

from rest_framework import serializers

from backoffice.api.identity_serializers import UserSummarySerializer
from backoffice.api.serializers import ModelSerializer, Serializer
from backoffice.models import AuditEvent
from backoffice.roles import as_guest
from projects.constants import GRANTABLE_ROLES, ROLE_BY_CODENAME

from ..models import MAX_MESSAGE_LENGTH, Comment, UserGroup


class CommentSerializer(ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)
    mentioned_users = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "project_id",
            "message",
            "author",
            "mentioned_users",
            "edited",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CommentWriteSerializer(Serializer):
    message = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)


#: The roles a project grant can give (``GrantRoleEnum`` in the schema).
GRANT_ROLES = [role.value for role in GRANTABLE_ROLES]


class RoleInputSerializer(Serializer):
    role = serializers.ChoiceField(choices=GRANT_ROLES)


class ProjectMemberSerializer(Serializer):
    """A direct grant: the user and their project role."""

    user_id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    user_status = serializers.CharField(source="user.status")
    role = serializers.SerializerMethodField()
    is_guest = serializers.BooleanField(help_text="Not a member of the project's organization.")

    def get_role(self, grant) -> str:
        role = ROLE_BY_CODENAME[grant.permission.codename]
        return as_guest(role) if grant.is_guest else role


class ReasonSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["organization", "grant", "group"])
    role = serializers.CharField()
    group_id = serializers.UUIDField(required=False, allow_null=True)
    group_name = serializers.CharField(required=False)

    def to_representation(self, reason):
        return dict(reason)


class AudienceSerializer(Serializer):
    user_id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField(help_text="The effective role on the project.")
    organization_role = serializers.CharField(allow_null=True)
    reasons = ReasonSerializer(many=True)


class ProjectGroupLinkSerializer(Serializer):
    group_id = serializers.UUIDField(source="group.user_group.id")
    name = serializers.CharField(source="group.user_group.name")
    role = serializers.SerializerMethodField()

    def get_role(self, grant) -> str:
        return ROLE_BY_CODENAME[grant.permission.codename]


class UserGroupSerializer(ModelSerializer):
    organization_id = serializers.UUIDField(read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = UserGroup
        fields = ["id", "organization_id", "name", "members", "created_at", "updated_at"]
        read_only_fields = ["id", "organization_id", "members", "created_at", "updated_at"]

    def get_members(self, user_group: UserGroup) -> list[dict]:
        users = sorted(user_group.group.user_set.all(), key=lambda user: user.email.lower())
        return UserSummarySerializer(users, many=True).data


class UserGroupWriteSerializer(Serializer):
    name = serializers.CharField(max_length=150)


class GuestInviteSerializer(Serializer):
    email = serializers.EmailField()


class GuestSerializer(Serializer):
    user_id = serializers.UUIDField(source="id")
    email = serializers.EmailField()
    status = serializers.CharField()
    role = serializers.CharField(default="Viewer")


class ActorSerializer(Serializer):
    kind = serializers.CharField(source="actor_kind")
    id = serializers.UUIDField(source="actor_id", allow_null=True)
    label = serializers.CharField(source="actor_label")
    user_id = serializers.UUIDField(source="actor_user_id", allow_null=True)


class AuditEventSerializer(ModelSerializer):
    actor = ActorSerializer(source="*", read_only=True)
    organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    project_id = serializers.UUIDField(read_only=True, allow_null=True)
    targets = serializers.JSONField(read_only=True)
    changes = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "event_type",
            "actor",
            "created_at",
            "organization_id",
            "project_id",
            "targets",
            "changes",
        ]
        read_only_fields = fields
