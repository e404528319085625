"""Project representations (camelCase) and the input of create/PUT/PATCH."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from backoffice.api.identity_serializers import PersonIdField, PersonNameField, person_name
from backoffice.api.serializers import ModelSerializer, Serializer
from backoffice.permissions import active_org_roles

from ..constants import MAX_TAG_LENGTH, MAX_TAGS, Ownership, Visibility
from ..models import Project
from ..signals import detail_sections
from ..thumbnails import thumbnail_urls
from ..validation import LOCALE_MESSAGE, LOCALE_PATTERN, is_locale


def validate_locale(value: str) -> str:
    """The services' rule (``projects.validation``), as a field error of the body."""
    if not is_locale(value):
        raise serializers.ValidationError(LOCALE_MESSAGE)
    return value


#: Declared as the field's ``pattern`` in the schema (``backoffice/api/schema.py``).
validate_locale.openapi_pattern = LOCALE_PATTERN


class ThumbnailsSerializer(Serializer):
    """The renditions of the project thumbnail (absolute URLs), or nulls."""

    small = serializers.URLField(allow_null=True)
    medium = serializers.URLField(allow_null=True)
    large = serializers.URLField(allow_null=True)


#: How every datetime of a list row is written (``REST_FRAMEWORK["DATETIME_FORMAT"]``, read at
#: call time), shared: reaching a declared field through ``self.fields`` built all of them
#: (the model introspection of ``ModelSerializer``) on every request, ~1 ms a page
#: (bench/PROFILE.md).
DATETIME = serializers.DateTimeField(read_only=True, allow_null=True)


class ProjectSerializer(ModelSerializer):
    organization_id = serializers.UUIDField(read_only=True)
    parent_id = serializers.UUIDField(read_only=True, allow_null=True)
    effective_locale = serializers.CharField(read_only=True)
    ownership = serializers.SerializerMethodField()
    created_by = PersonIdField(source="created_by_id")
    created_by_name = PersonNameField(source="created_by")
    # An annotation registered by the collaboration app (``signals.list_annotations``).
    comment_count = serializers.IntegerField(read_only=True, default=0)
    # From the three paths on the row: no query.
    thumbnails = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "organization_id",
            "name",
            "slug",
            "description",
            "status",
            "visibility",
            "job_code",
            "external_id",
            "category",
            "tags",
            "parent_id",
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

    def to_representation(self, project: Project) -> dict:
        """The declared fields, in their order, read straight from the row: the generic
        field-by-field path of DRF was most of a list page's serialization time. A test
        keeps both paths equal (``test_list_representation_matches_the_declared_fields``),
        and ``self.fields`` is never built on this path."""
        datetime = DATETIME.to_representation
        ownership = self.get_ownership(project)
        return {
            "id": str(project.id),
            "organizationId": str(project.organization_id),
            "name": project.name,
            "slug": project.slug,
            "description": project.description,
            "status": str(project.status),
            "visibility": str(project.visibility),
            "jobCode": project.job_code,
            "externalId": project.external_id,
            "category": project.category,
            "tags": project.tags,
            "parentId": None if project.parent_id is None else str(project.parent_id),
            "locale": project.locale,
            "effectiveLocale": project.effective_locale,
            "ownership": ownership,
            "commentCount": int(getattr(project, "comment_count", 0)),
            "thumbnails": self.get_thumbnails(project),
            "createdAt": datetime(project.created_at),
            "createdBy": None if project.created_by_id is None else str(project.created_by_id),
            "createdByName": person_name(
                project.created_by, for_guest=ownership == Ownership.EXTERNAL
            ),
            "updatedAt": datetime(project.updated_at),
            "archivedAt": datetime(project.archived_at),
            "trashedAt": datetime(project.trashed_at),
        }

    @extend_schema_field(ThumbnailsSerializer)
    def get_thumbnails(self, project: Project) -> dict[str, str | None]:
        request = self.context.get("request")
        urls = thumbnail_urls(project)
        if request is None:
            return urls
        return {name: url and request.build_absolute_uri(url) for name, url in urls.items()}

    def get_ownership(self, project: Project) -> str:
        """External for a guest: someone with no membership in the project's organization."""
        user = self.context["request"].user
        if user.is_owner or project.organization_id in active_org_roles(user):
            return Ownership.INTERNAL
        return Ownership.EXTERNAL


class ProjectDetailSerializer(ProjectSerializer):
    """The detail adds the sections other apps register (templates, channels, shares)."""

    def to_representation(self, project: Project) -> dict:
        data = super().to_representation(project)
        request = self.context["request"]
        for name, section in detail_sections.items():
            data[name] = section(project, request)
        return data


#: Optional text fields: ``null`` clears them (stored as the empty string).
CLEARABLE_TEXT = ("description", "locale", "job_code", "external_id", "category")


class ProjectWriteSerializer(Serializer):
    """The body of a create: every editable field, the optional ones defaulting to empty.
    An optional field sent as ``null`` is empty (``locale: null``: no override)."""

    name = serializers.CharField(max_length=255)
    description = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, default=""
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, default=Visibility.ORGANIZATION
    )
    locale = serializers.CharField(
        max_length=35,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        validators=[validate_locale],
    )
    job_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True, default=""
    )
    external_id = serializers.CharField(
        max_length=255, required=False, allow_blank=True, allow_null=True, default=""
    )
    category = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True, default=""
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        allow_null=True,
        default=list,
    )

    def validate(self, attrs: dict) -> dict:
        for name in CLEARABLE_TEXT:
            if name in attrs and attrs[name] is None:
                attrs[name] = ""
        if "tags" in attrs and attrs["tags"] is None:
            attrs["tags"] = []
        return attrs


class ProjectUpdateSerializer(ProjectWriteSerializer):
    """The body of a PUT or a PATCH: both change only the fields the body names (SPEC §4,
    §16; seed 000 "update name or description", seed 003 "every field optional"). Nothing
    has a default here, so a field left out is never reset."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            field.default = empty
        return fields


__all__ = [
    "ProjectDetailSerializer",
    "ProjectSerializer",
    "ProjectUpdateSerializer",
    "ProjectWriteSerializer",
]
