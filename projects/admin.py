"""Staff admin of projects. Saves and actions go through the services, so the rules and
audit events are the same as the API's."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from guardian.admin import GuardedModelAdminMixin

from backoffice.actors import Actor
from backoffice.admin import ServiceAdminMixin
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_scoping import OrganizationScopedAdmin
from backoffice.errors import DomainError

from . import services
from .admin_grants import GroupGrantInline, UserGrantInline, save_grants
from .constants import Status
from .models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission

STATUS_COLOURS = {Status.DRAFT: "#6b7280", Status.ACTIVE: "#15803d", Status.ARCHIVED: "#92400e"}


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "organization",
            "name",
            "description",
            "visibility",
            "locale",
            "tags",
            "job_code",
            "external_id",
            "category",
        ]

    def clean(self):
        if self.instance.pk and self.instance.is_archived:
            raise forms.ValidationError("An archived project is read-only (comments excepted).")
        return super().clean()


class TrashedFilter(admin.SimpleListFilter):
    """Live projects by default; the trash on demand."""

    title = "trash"
    parameter_name = "trashed"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "In the trash")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(trashed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(trashed_at__isnull=True)
        return queryset


@admin.register(Project)
class ProjectAdmin(
    OrganizationScopedAdmin,
    ServiceAdminMixin,
    AuditHistoryMixin,
    GuardedModelAdminMixin,
    admin.ModelAdmin,
):
    """Guardian's raw object-permission pages (``…/permissions/``) are for superusers only;
    everyone else edits grants in the inlines, through the grant services."""

    form = ProjectAdminForm
    inlines = [UserGrantInline, GroupGrantInline]
    list_display = ["name", "organization", "status_badge", "visibility", "job_code", "created_at"]
    list_filter = [
        "status",
        "visibility",
        TrashedFilter,
        ("organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "slug", "job_code"]
    list_select_related = ["organization"]
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    ordering = ["-created_at", "-id"]
    actions = ["activate", "archive", "trash", "restore"]
    fieldsets = [
        (None, {"fields": ["organization", "name", "slug", "description", "status"]}),
        ("Audience", {"fields": ["visibility", "locale", "tags"]}),
        ("References", {"fields": ["job_code", "external_id", "category", "parent"]}),
        (
            "History",
            {"fields": ["created_by", "created_at", "updated_at", "archived_at", "trashed_at"]},
        ),
    ]
    readonly_fields = [
        "slug",
        "status",
        "parent",
        "created_by",
        "created_at",
        "updated_at",
        "archived_at",
        "trashed_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "organization"] if obj else fields

    @admin.display(description="status", ordering="status")
    def status_badge(self, project: Project) -> str:
        colour = STATUS_COLOURS.get(project.status, "#6b7280")
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 8px;border-radius:9px">{}</span>',
            colour,
            project.status,
        )

    def save_model(self, request, obj: Project, form, change: bool) -> None:
        actor = Actor.for_user(request.user)
        fields = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            saved = services.project_update(actor=actor, project=obj, **fields)
        else:
            saved = services.project_create(
                actor=actor, organization=form.cleaned_data["organization"], **fields
            )
        obj.pk, obj.slug = saved.pk, saved.slug

    def obj_perms_manage_view(self, request, object_pk):
        return self._superusers_only(request) or super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        return self._superusers_only(request) or super().obj_perms_manage_user_view(
            request, object_pk, user_id
        )

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        return self._superusers_only(request) or super().obj_perms_manage_group_view(
            request, object_pk, group_id
        )

    def _superusers_only(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        return None

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model in (ProjectUserObjectPermission, ProjectGroupObjectPermission):
            save_grants(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj: Project) -> None:
        services.project_delete(actor=Actor.for_user(request.user), project=obj)

    def delete_queryset(self, request, queryset) -> None:
        for project in queryset:
            self.delete_model(request, project)

    def _run(self, request, queryset, service, verb: str) -> None:
        done = 0
        for project in queryset:
            try:
                service(actor=Actor.for_user(request.user), project=project)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{project}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} project(s).", messages.SUCCESS)

    @admin.action(description="Activate selected projects")
    def activate(self, request, queryset):
        self._run(request, queryset, services.project_activate, "Activated")

    @admin.action(description="Archive selected projects")
    def archive(self, request, queryset):
        self._run(request, queryset, services.project_archive, "Archived")

    @admin.action(description="Move selected projects (and their sub-projects) to the trash")
    def trash(self, request, queryset):
        self._run(request, queryset, services.project_trash, "Trashed")

    @admin.action(description="Restore selected projects from the trash")
    def restore(self, request, queryset):
        self._run(request, queryset, services.project_restore, "Restored")
