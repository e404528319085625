"""Template representations (camelCase) and the upload's multipart input."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.api.identity_serializers import PersonIdField, PersonNameField
from backoffice.api.serializers import ModelSerializer, Serializer, camel

from ..constants import FileRole, Kind
from ..files import file_url
from ..models import Template, TemplateFile

#: File roles as the API names them.
FILE_ROLES = [camel(role) for role in FileRole.values]


class TemplateFileSerializer(ModelSerializer):
    role = serializers.SerializerMethodField()
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = TemplateFile
        fields = ["id", "role", "name", "size", "sha256", "content_type", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=FILE_ROLES))
    def get_role(self, file: TemplateFile) -> str:
        return camel(file.role)

    def get_url(self, file: TemplateFile) -> str:
        """A signed download URL, valid for a few minutes."""
        return file_url(file.pk)


class BindingSerializer(Serializer):
    key = serializers.CharField()
    layer = serializers.CharField()
    type = serializers.ChoiceField(choices=["text", "image", "color"])
    required = serializers.BooleanField()
    default = serializers.JSONField(required=False)


class TemplateSummarySerializer(ModelSerializer):
    """A template in the project detail: no files."""

    class Meta:
        model = Template
        fields = ["id", "name", "version", "kind", "status", "was_production", "created_at"]
        read_only_fields = fields


class TemplateSerializer(ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    created_by = PersonIdField(source="created_by_id")
    created_by_name = PersonNameField(source="created_by")
    bindings = BindingSerializer(many=True, read_only=True)
    files = TemplateFileSerializer(many=True, read_only=True)

    class Meta:
        model = Template
        fields = [
            "id",
            "project_id",
            "name",
            "version",
            "kind",
            "status",
            "was_production",
            "bindings",
            "files",
            "created_at",
            "created_by",
            "created_by_name",
            "updated_at",
        ]
        read_only_fields = fields


class TemplateUploadSerializer(Serializer):
    """For the schema only: the service validates the upload (files by their content)."""

    name = serializers.CharField(max_length=255)
    version = serializers.CharField(default="1.0", help_text="major.minor")
    kind = serializers.ChoiceField(choices=Kind.choices)
    template_json = serializers.FileField(help_text="Lottie animation (Raster: the overlay).")
    manifest_json = serializers.FileField(required=False, help_text='{"bindings": […]}')
    overlay_json = serializers.FileField(required=False, help_text="Raster only.")
    video_file = serializers.FileField(required=False, help_text="MP4; Raster only, required.")
    poster_file = serializers.FileField(required=False)
    asset_files = serializers.ListField(child=serializers.FileField(), required=False)
