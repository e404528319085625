"""Staff admin of templates: status badges, poster preview, signed file links. Changes go
through the services (archive, delete), so the rules and audit events are the API's. Publish
and unpublish actions are added by ``shares/admin.py`` (templates must not import shares)."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from backoffice.actors import Actor
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyAdmin, ReadOnlyInline
from backoffice.admin_scoping import OrganizationScopedAdmin
from backoffice.errors import DomainError

from . import services
from .constants import FileRole, Status
from .files import file_url
from .models import IdempotencyRecord, Template, TemplateFile

STATUS_COLOURS = {
    Status.TESTING: "#1d4ed8",
    Status.PRODUCTION: "#15803d",
    Status.PREVIOUS: "#6b7280",
    Status.ARCHIVED: "#92400e",
}


def status_badge_html(status: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:9px">{}</span>',
        STATUS_COLOURS.get(status, "#6b7280"),
        status,
    )


class TemplateFileInline(ReadOnlyInline):
    model = TemplateFile
    fields = ["role", "link", "size", "sha256", "content_type"]

    @admin.display(description="file")
    def link(self, file: TemplateFile) -> str:
        label = file.original_name or file.role
        return format_html('<a href="{}">{}</a>', file_url(file.pk), label)


@admin.register(Template)
class TemplateAdmin(OrganizationScopedAdmin, AuditHistoryMixin, admin.ModelAdmin):
    organization_path = "project__organization"
    list_display = ["name", "version", "project", "kind", "status_badge", "created_at"]
    list_filter = ["status", "kind", "was_production"]
    search_fields = ["name", "project__name", "project__slug"]
    list_select_related = ["project", "project__organization"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]
    inlines = [TemplateFileInline]
    actions = ["archive"]
    fieldsets = [
        (None, {"fields": ["project", "name", "version", "kind", "status_badge"]}),
        ("Content", {"fields": ["poster_preview", "file_links", "bindings"]}),
        ("History", {"fields": ["was_production", "created_by", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "project",
        "name",
        "version",
        "kind",
        "status_badge",
        "poster_preview",
        "file_links",
        "bindings",
        "was_production",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # templates arrive through the upload endpoint, which validates them

    @admin.display(description="status", ordering="status")
    def status_badge(self, template: Template) -> str:
        return status_badge_html(template.status)

    @admin.display(description="poster")
    def poster_preview(self, template: Template) -> str:
        poster = next((f for f in template.files.all() if f.role == FileRole.POSTER), None)
        if poster is None:
            return "—"
        url = file_url(poster.pk)
        return format_html('<img src="{}" alt="poster" style="max-height:180px">', url)

    @admin.display(description="files")
    def file_links(self, template: Template) -> str:
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((file_url(f.pk), f"{f.role}: {f.original_name}") for f in template.files.all()),
        )

    def delete_model(self, request, obj: Template) -> None:
        services.template_delete(actor=Actor.for_user(request.user), template=obj)

    def delete_queryset(self, request, queryset) -> None:
        for template in queryset:
            self.delete_model(request, template)

    def run_service(self, request, queryset, service, verb: str, **kwargs) -> None:
        done = 0
        for template in queryset.select_related("project"):
            try:
                service(actor=Actor.for_user(request.user), template=template, **kwargs)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{template}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} template(s).", messages.SUCCESS)

    @admin.action(description="Archive selected templates")
    def archive(self, request, queryset):
        self.run_service(request, queryset, services.template_archive, "Archived")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(OrganizationScopedAdmin, ReadOnlyAdmin):
    """The remembered first responses of uploads made with an ``Idempotency-Key``."""

    organization_path = "project__organization"
    list_display = ["key", "project", "status_code", "created_at"]
    search_fields = ["key", "project__name"]
    list_select_related = ["project"]
    fields = ["project", "key", "fingerprint", "status_code", "body", "created_at"]
    readonly_fields = fields
