"""Representations (camelCase) of comments, members, user groups and audit events."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.api.identity_serializers import (
    AS_GUEST,
    UNNAMED,
    PersonIdField,
    PersonNameField,
    UserSummarySerializer,
)
from backoffice.api.serializers import EmailAddressField, ModelSerializer, Serializer, camel
from backoffice.models import AuditEvent, Invitation
from backoffice.roles import as_guest
from projects.constants import GRANTABLE_ROLES, ROLE_BY_CODENAME

from ..models import MAX_MESSAGE_LENGTH, Comment, UserGroup
from ..services import MENTION

#: ``{user id: display name}`` of the people a page of events names, for a guest caller.
NAMES = "names"
#: ``{comment id: {lower-case e-mail: display name}}``: whom the comments of a page of events
#: mention, as each comment shows them.
NAMES_BY_EMAIL = "names_by_email"


class GuestRedacted:
    """A representation a guest of the project sees only ``guest_fields`` of. The other
    fields are declared ``required=False`` so the schema shows them as optional."""

    guest_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get(AS_GUEST):
            shown = {camel(name) for name in self.guest_fields}
            data = {name: value for name, value in data.items() if name in shown}
            if data.get("displayName") == "":  # as every ``…ByName`` and the message name them
                data["displayName"] = UNNAMED
        return data


class PersonSerializer(GuestRedacted, Serializer):
    """A person named by a comment."""

    guest_fields = ("id", "display_name")

    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(required=False, help_text="Not shown to guests.")
    display_name = serializers.CharField()


def mentions_by_name(text: str, names_by_email: dict[str, str]) -> str:
    """``@ana@banco.cl`` written as ``@Ana Rojas`` (``@someone`` for an address not in
    ``names_by_email``): how a guest reads a message, without the host's e-mails."""

    def name(match) -> str:
        return "@" + (names_by_email.get(match.group(1).lower()) or "someone")

    return MENTION.sub(name, text)


class CommentSerializer(ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    author = PersonSerializer(read_only=True, allow_null=True)
    mentioned_users = PersonSerializer(many=True, read_only=True)

    def to_representation(self, comment: Comment) -> dict:
        data = super().to_representation(comment)
        if self.context.get(AS_GUEST):
            names = {
                user.email.lower(): user.display_name or UNNAMED
                for user in comment.mentioned_users.all()
            }
            data["message"] = mentions_by_name(data["message"], names)
        return data

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


@extend_schema_field({"type": "string", "enum": GRANT_ROLES})
class GrantRoleField(serializers.Field):
    """The role of a direct grant, at most ``GUEST_ROLE_CAP`` for a guest."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, grant) -> str:
        role = ROLE_BY_CODENAME[grant.permission.codename]
        return as_guest(role) if grant.is_guest else role


class ProjectMemberSerializer(GuestRedacted, Serializer):
    """A direct grant: the user and their project role. A guest caller sees
    ``{userId, displayName}`` only."""

    guest_fields = ("user_id", "display_name")

    user_id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email", required=False)
    display_name = serializers.CharField(source="user.display_name")
    user_status = serializers.CharField(source="user.status", required=False)
    role = GrantRoleField()
    is_guest = serializers.BooleanField(
        required=False, help_text="Not a member of the project's organization."
    )
    is_creator = serializers.BooleanField(
        required=False, help_text="Created the project (and became a member by it, seed 001)."
    )


class ReasonSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["organization", "grant", "group", "creator"])
    role = serializers.CharField(required=False, help_text="Not for `creator`.")
    group_id = serializers.UUIDField(required=False, allow_null=True)
    group_name = serializers.CharField(required=False)

    def to_representation(self, reason):
        return dict(reason)


class AudienceSerializer(GuestRedacted, Serializer):
    """Someone who sees the project, and why. A guest caller sees
    ``{userId, displayName}`` only."""

    guest_fields = ("user_id", "display_name")

    user_id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email", required=False)
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField(required=False, help_text="The effective role on the project.")
    organization_role = serializers.CharField(allow_null=True, required=False)
    reasons = ReasonSerializer(many=True, required=False)


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
    email = EmailAddressField()
    role = serializers.ChoiceField(
        choices=GRANT_ROLES, default="Viewer", help_text="At most Developer for a guest."
    )


class OpenGuestInvitationSerializer(ModelSerializer):
    """An open invitation of a guest to the project, as its managers see it."""

    email = serializers.EmailField(source="user.email")
    invited_by = PersonIdField(source="invited_by_id")
    invited_by_name = PersonNameField(source="invited_by")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "expires_at",
            "sent_count",
            "invited_by",
            "invited_by_name",
            "created_at",
        ]
        read_only_fields = fields


class GuestInvitationSerializer(Serializer):
    """The answer to an invitation: the same for a known and an unknown e-mail (no user id,
    no account status), so it tells nobody whether the address has an account."""

    email = serializers.EmailField(help_text="As given, normalized.")
    role = serializers.ChoiceField(choices=GRANT_ROLES)
    expires_at = serializers.DateTimeField(help_text="When the e-mailed link stops working.")


class ActorSerializer(Serializer):
    kind = serializers.CharField(source="actor_kind")
    id = serializers.UUIDField(source="actor_id", allow_null=True)
    label = serializers.CharField(source="actor_label")
    user_id = serializers.UUIDField(source="actor_user_id", allow_null=True)


def _guest_target(target: dict, names: dict[str, str]) -> dict:
    """A target as a guest sees it: a person by display name, never by e-mail; an API
    token or an invitation without its label (prefix, e-mail)."""
    kind = target.get("type")
    if kind == "user":
        return {**target, "label": names.get(target.get("id"), UNNAMED)}
    if kind in ("apitoken", "invitation"):
        return {**target, "label": kind}
    return target


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

    def to_representation(self, event: AuditEvent) -> dict:
        """A guest of the project sees the people of an event by display name: no e-mail
        and no token prefix in the actor or the targets."""
        data = super().to_representation(event)
        if not self.context.get(AS_GUEST):
            return data
        names = self.context.get(NAMES, {})
        actor = dict(data["actor"])
        if event.actor_user_id is not None:
            actor["label"] = names.get(str(event.actor_user_id), UNNAMED)
            actor["id"] = None  # the token's id
        elif event.actor_kind == AuditEvent.ActorKind.CREDENTIAL:
            actor["label"] = "API credential"
        data["actor"] = actor
        data["targets"] = [_guest_target(target, names) for target in data["targets"] or []]
        comments = [t.get("id") for t in event.targets or [] if t.get("type") == "comment"]
        mentions = self.context.get(NAMES_BY_EMAIL, {}).get(comments[0] if comments else None)
        data["changes"] = _guest_changes(data["changes"], mentions or {})
        return data


def _guest_changes(value, names_by_email: dict[str, str]):
    """The changes with every ``@email`` mention written as the person's name."""
    if isinstance(value, str):
        return mentions_by_name(value, names_by_email)
    if isinstance(value, dict):
        return {key: _guest_changes(item, names_by_email) for key, item in value.items()}
    if isinstance(value, list):
        return [_guest_changes(item, names_by_email) for item in value]
    return value
