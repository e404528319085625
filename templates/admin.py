"""Staff admin of templates: status badges, poster preview, signed file links. Changes go
through the services (archive, delete), so the rules and audit events are the API's. Publish
and unpublish actions are added by ``shares/admin.py`` (templates must not import shares)."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from backoffice.actors import Actor
from backoffice.admin_actions import ServiceDeleteAdmin, confirm_then_run
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyAdmin, ReadOnlyInline
from backoffice.admin_scoping import OrganizationScopedAdmin

from . import services
from .constants import FileRole, Status
from .files import file_url
from .models import IdempotencyRecord, Template, TemplateFile
from .signals import in_use_checks

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
class TemplateAdmin(
    OrganizationScopedAdmin, ServiceDeleteAdmin, AuditHistoryMixin, admin.ModelAdmin
):
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

    def delete_with_service(self, request, obj: Template) -> None:
        services.template_delete(actor=Actor.for_user(request.user), template=obj)

    def delete_refusal(self, obj: Template) -> str | None:
        if obj.was_production or obj.status == Status.PRODUCTION:
            return "a template that was ever in Production can't be deleted (archive it)."
        return _in_use(obj)

    @admin.action(description="Archive selected templates…")
    def archive(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset.select_related("project"),
            action="archive",
            title="Archive templates?",
            question="Archive the selected templates?",
            general=["An archived template can't be published again."],
            button="Yes, archive",
            verb="Archived",
            act=lambda template: services.template_archive(actor=actor, template=template),
            refusal=lambda template: (
                "it is already archived."
                if template.status == Status.ARCHIVED
                else _in_use(template)
            ),
        )


def _in_use(template: Template) -> str | None:
    for check in in_use_checks:
        reason = check(template)
        if reason:
            return f"{reason}."
    return None


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(OrganizationScopedAdmin, ReadOnlyAdmin):
    """The remembered first responses of uploads made with an ``Idempotency-Key``."""

    organization_path = "project__organization"
    list_display = ["key", "project", "status_code", "created_at"]
    search_fields = ["key", "project__name"]
    list_select_related = ["project"]
    fields = ["project", "key", "fingerprint", "status_code", "body", "created_at"]
    readonly_fields = fields
