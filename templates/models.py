"""Templates: versioned video bundles of a project, their stored files, and the idempotency
records of uploads."""

import os

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from backoffice.models import TimeStampedModel
from projects.models import Project

from .constants import FILE_ROLE_LABELS, VERSION_PATTERN, FileRole, Kind, Status


class Template(TimeStampedModel):
    """One version of a template. At most one per project is ``Production`` (a database
    constraint); ``was_production`` stays set once it has been, and forbids deletion."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=255)
    version = models.CharField(
        max_length=9,
        default="1.0",
        validators=[RegexValidator(VERSION_PATTERN, "Use major.minor, e.g. 1.0.")],
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TESTING)
    was_production = models.BooleanField(default=False)
    bindings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name", "version"], name="template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status=Status.PRODUCTION),
                name="template_one_production_per_project",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="template_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="template_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["project", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


def template_file_path(instance: "TemplateFile", filename: str) -> str:
    template = instance.template
    return (
        f"org/{template.project.organization_id}/projects/{template.project_id}"
        f"/templates/{template.pk}/{os.path.basename(filename)}"
    )


class TemplateFile(TimeStampedModel):
    """A stored file of a template, with its size and SHA-256."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=16, choices=FileRole.choices)
    file = models.FileField(upload_to=template_file_path, max_length=500)
    original_name = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["template", "role", "original_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=FileRole.values), name="template_file_role_valid"
            ),
        ]

    def __str__(self) -> str:
        role = FILE_ROLE_LABELS.get(self.role, self.role)
        return f"{role}: {self.original_name or self.file.name}"


class IdempotencyRecord(TimeStampedModel):
    """The first response to a request made with an ``Idempotency-Key``: a retry by the same
    caller, of the same operation, on the same project, with the same request, within
    ``IDEMPOTENCY_KEY_TTL``, gets it again; another request under that scope and key is a
    409. Another caller's key is another key (as Stripe scopes keys to the account). Records
    expire after ``IDEMPOTENCY_KEY_TTL`` (24 h) and ``purge_idempotency_keys`` or
    ``purge_trash`` delete them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    #: Who made the request: ``user:<id>`` for a person (whatever token or session they
    #: used), ``<actor kind>:<id>`` otherwise.
    caller = models.CharField(max_length=80)
    operation = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["caller", "operation", "project", "key"], name="idempotency_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
