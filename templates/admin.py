"""Staff admin of templates: status badges, poster preview, signed file links. Changes go
through the services (archive, delete), so the rules and audit events are the API's. Publish
and unpublish actions are added by ``shares/admin.py`` (templates must not import shares)."""

import json
from urllib.parse import quote

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.admin_actions import ServiceDeleteAdmin, confirm_then_run
from backoffice.admin_calendar import CalendarHierarchyAdmin
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyAdmin, ReadOnlyInline, attach_inlines
from backoffice.roles import Perm
from projects.admin_access import ProjectAccessAdmin
from projects.models import Project

from . import services
from .constants import FILE_ROLE_LABELS, FileRole, Status
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
    return display.badge(status, STATUS_COLOURS.get(status, display.GREY))


def role_label(role: str) -> str:
    return FILE_ROLE_LABELS.get(role, role)


def poster_of(template: Template) -> TemplateFile | None:
    """From the prefetched files: no query per template."""
    return next((f for f in template.files.all() if f.role == FileRole.POSTER), None)


def poster_thumbnail(template: Template) -> str:
    poster = poster_of(template)
    if poster is None:
        return "—"
    return format_html(
        '<img src="{}" alt="Poster of {}" class="poster-thumb" loading="lazy">',
        file_url(poster.pk),
        template,
    )


def binding_defaults(bindings: list) -> dict:
    """What the template shows when nothing is personalised: each binding's default."""
    return {
        binding["key"]: binding["default"]
        for binding in bindings or []
        if isinstance(binding, dict)
        and binding.get("key")
        and binding.get("default") not in (None, "")
    }


def player_preview(template: Template) -> str:
    """The public player (``/player/``, sandboxed, under its own CSP) playing the template
    with its bindings' defaults, as the landing page frames it. Lottie templates only: a
    Raster template's video is its poster's."""
    files = {file.role: file for file in template.files.all()}
    animation = files.get(FileRole.TEMPLATE_JSON)
    if template.kind == "Raster" or animation is None:
        return "— (see the poster)"
    manifest = files.get(FileRole.MANIFEST_JSON)
    config = {
        "templateUrl": file_url(animation.pk),
        "manifestUrl": file_url(manifest.pk) if manifest else None,
        "data": binding_defaults(template.bindings),
    }
    fragment = quote(json.dumps(config, separators=(",", ":"), ensure_ascii=False), safe="")
    return format_html(
        '<iframe class="template-player" src="{}#{}" sandbox="allow-scripts" '
        'referrerpolicy="no-referrer" title="{} playing with its defaults"></iframe>'
        '<p class="help">Played with the bindings\u2019 defaults: {}.</p>',
        reverse("player"),
        fragment,
        template,
        ", ".join(f"{key} = {value}" for key, value in config["data"].items()) or "none",
    )


def bindings_table(bindings: list) -> str:
    """The manifest's bindings: key, type, layer, required, default."""
    if not bindings:
        return "None: the template plays as it is."
    rows = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                binding.get("key", "?"),
                binding.get("type", ""),
                binding.get("layer", ""),
                "yes" if binding.get("required") else "no",
                binding.get("default", "—") if binding.get("default") not in (None, "") else "—",
            )
            for binding in bindings
            if isinstance(binding, dict)
        ),
    )
    return format_html(
        "<table><thead><tr><th>key</th><th>type</th><th>layer</th><th>required</th>"
        "<th>default</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


class TemplateFileInline(ReadOnlyInline):
    model = TemplateFile
    fields = ["kind_of_file", "link", "human_size", "content_type", "short_sha256"]
    verbose_name_plural = "files"

    @admin.display(description="role")
    def kind_of_file(self, file: TemplateFile) -> str:
        return role_label(file.role)

    @admin.display(description="file")
    def link(self, file: TemplateFile) -> str:
        label = file.original_name or role_label(file.role)
        return format_html('<a href="{}">{}</a>', file_url(file.pk), label)

    @admin.display(description="size")
    def human_size(self, file: TemplateFile) -> str:
        return display.human_size(file.size)

    @admin.display(description="SHA-256")
    def short_sha256(self, file: TemplateFile) -> str:
        return format_html('<code title="{0}">{1}…</code>', file.sha256, file.sha256[:12])


class EverInProductionFilter(admin.BooleanFieldListFilter):
    """The ``was_production`` flag, titled in words ("By ever in Production")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "ever in Production"


@admin.register(Template)
class TemplateAdmin(
    CalendarHierarchyAdmin,
    ProjectAccessAdmin,
    ServiceDeleteAdmin,
    AuditHistoryMixin,
    display.ReadOnlyPageMixin,
    admin.ModelAdmin,
):
    # Nothing is edited on the page; deleting and archiving need what the API needs
    # (``shares/admin.py`` adds the publish actions with theirs).
    delete_perm = Perm.DELETE_TEMPLATES
    action_perms = {"archive": Perm.UPLOAD_TEMPLATES}
    list_display = [
        "poster",
        "name",
        "version",
        "project_link",
        "kind",
        "status_badge",
        "created_at",
    ]
    list_display_links = ["poster", "name"]
    list_filter = ["status", "kind", ("was_production", EverInProductionFilter)]
    date_hierarchy = "created_at"
    search_fields = ["name", "project__name", "project__slug"]
    list_select_related = ["project", "project__organization"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]
    inlines = [TemplateFileInline]
    actions = ["archive"]
    fieldsets = [
        (None, {"fields": ["project_link", "name", "version", "kind", "status_badge"]}),
        ("Content", {"fields": ["preview", "poster_preview", "bindings_readable"]}),
        ("History", {"fields": ["was_production", "created_by_name", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "project_link",
        "name",
        "version",
        "kind",
        "status_badge",
        "preview",
        "poster_preview",
        "bindings_readable",
        "was_production",
        "created_by_name",
        "created_at",
        "updated_at",
    ]

    created_by_name = display.person_column("created_by", "created by")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    @admin.display(description="poster")
    def poster(self, template: Template) -> str:
        return poster_thumbnail(template)

    @admin.display(description="project", ordering="project__name")
    def project_link(self, template: Template) -> str:
        return display.link(template.project)

    @admin.display(description="bindings")
    def bindings_readable(self, template: Template) -> str:
        return bindings_table(template.bindings)

    @admin.display(description="plays as")
    def preview(self, template: Template) -> str:
        return player_preview(template)

    def has_add_permission(self, request) -> bool:
        return False  # templates arrive through the upload endpoint, which validates them

    @admin.display(description="status", ordering="status")
    def status_badge(self, template: Template) -> str:
        return status_badge_html(template.status)

    @admin.display(description="poster")
    def poster_preview(self, template: Template) -> str:
        poster = poster_of(template)
        if poster is None:
            return "—"
        return format_html(
            '<img src="{}" alt="Poster of {}" class="poster-preview">',
            file_url(poster.pk),
            template,
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
class IdempotencyRecordAdmin(ProjectAccessAdmin, ReadOnlyAdmin):
    """The remembered first responses of uploads made with an ``Idempotency-Key``."""

    list_display = ["key", "caller", "operation", "project", "status_code", "created_at"]

    # An internal table (replays of uploads): the system Owner's only.
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    search_fields = ["key", "project__name"]
    list_select_related = ["project"]
    fields = [
        "project",
        "caller",
        "operation",
        "key",
        "fingerprint",
        "status_code",
        "body",
        "created_at",
    ]
    readonly_fields = fields


class ProjectTemplateInline(ReadOnlyInline):
    """The project's templates on its page, newest first, each linking to its own page."""

    model = Template
    fields = ["poster", "name_link", "version", "kind", "status_badge", "created_at"]
    verbose_name_plural = "templates"
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="poster")
    def poster(self, template: Template) -> str:
        return poster_thumbnail(template)

    @admin.display(description="name")
    def name_link(self, template: Template) -> str:
        return display.link(template, template.name)

    @admin.display(description="status")
    def status_badge(self, template: Template) -> str:
        return status_badge_html(template.status)


attach_inlines(Project, ProjectTemplateInline)
