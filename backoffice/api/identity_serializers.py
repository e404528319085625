"""Serializers of the identity endpoints: me, tokens, organizations, members, invitations."""

from rest_framework import serializers

from ..models import ApiToken, Invitation, Membership, Organization, User
from ..roles import Role
from .datetimes import DateTimeField
from .serializers import EmailAddressField, ModelSerializer, Serializer


class MembershipSummarySerializer(ModelSerializer):
    organization_id = serializers.UUIDField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    organization_slug = serializers.CharField(source="organization.slug", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Membership
        fields = ["organization_id", "organization_name", "organization_slug", "role", "active"]


class MeSerializer(ModelSerializer):
    is_owner = serializers.BooleanField(read_only=True)
    memberships = MembershipSummarySerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "status", "is_owner", "memberships"]


#: Set in a serializer's context when the caller is a guest of the project the data belongs
#: to (no active membership in its organization): people are then named without e-mails
#: (SPEC §16). Views nested under a project set it (``projects.api.scoped``).
AS_GUEST = "as_guest"
#: How a guest reads the name of someone who has no display name.
UNNAMED = "Unnamed user"


def person_name(user: User | None, *, for_guest: bool = False) -> str | None:
    """How a representation names a person: the display name, else the e-mail (seed 001's
    ``created_by``) — never the e-mail to a guest of the project (``UNNAMED`` instead)."""
    if user is None:
        return None
    return user.display_name or (UNNAMED if for_guest else user.email)


class PersonIdField(serializers.UUIDField):
    """A ``…By`` field: the person's UUID (seed 000's ``createdBy``), null when there is none
    (the system, or a deleted user). Give it ``source="<field>_id"``: no join needed."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


class PersonNameField(serializers.CharField):
    """A ``…ByName`` field, beside its ``…By``: ``person_name`` of the related user. Give it
    ``source="<field>"`` and select the user with the row."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, user: User) -> str | None:
        return person_name(user, for_guest=bool(self.context.get(AS_GUEST)))


class UserSummarySerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name"]


class OrganizationSerializer(ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "default_locale", "require_prod_approval", "created_at"]
        read_only_fields = fields


class OrganizationSettingsSerializer(Serializer):
    require_prod_approval = serializers.BooleanField(
        help_text="Publishing to PROD makes a deploy request that another ProjectManager+ "
        "approves (four eyes)."
    )


class MemberSerializer(ModelSerializer):
    user_id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    user_status = serializers.CharField(source="user.status", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "user_id",
            "email",
            "display_name",
            "user_status",
            "role",
            "active",
            "deactivated_at",
            "joined_at",
        ]


class RoleSerializer(Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class TokenSerializer(ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "status",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = fields


class TokenCreateSerializer(Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.WRITE)
    expires_at = DateTimeField(required=False, allow_null=True)


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The full token, shown only once.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class InvitationSerializer(ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    status = serializers.CharField(read_only=True)
    invited_by = PersonIdField(source="invited_by_id")
    invited_by_name = PersonNameField(source="invited_by")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "status",
            "expires_at",
            "sent_count",
            "invited_by",
            "invited_by_name",
            "created_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(Serializer):
    email = EmailAddressField()
    role = serializers.ChoiceField(choices=Role.choices)


class AcceptedInvitationSerializer(Serializer):
    """What accepting gave: a membership of the organization with ``role``, or, for a guest
    invitation, a grant of ``role`` on the project ``projectId``."""

    organization_id = serializers.UUIDField()
    organization_name = serializers.CharField(source="organization.name")
    organization_slug = serializers.CharField(source="organization.slug")
    role = serializers.ChoiceField(choices=Role.choices)
    active = serializers.SerializerMethodField()
    project_id = serializers.UUIDField(allow_null=True, help_text="Set for a guest invitation.")
    project_name = serializers.CharField(allow_blank=True)

    def get_active(self, invitation: Invitation) -> bool:
        return True


class InvitationAcceptSerializer(Serializer):
    token = serializers.CharField(max_length=200)
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=128, style={"input_type": "password"}
    )
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
