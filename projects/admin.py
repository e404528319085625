"""Staff admin of projects. Saves and actions go through the services, so the rules and
audit events are the same as the API's."""

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from guardian.admin import GuardedModelAdminMixin

from backoffice import admin_dashboard as dashboard
from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.admin import ServiceAdminMixin, add_refusal
from backoffice.admin_actions import ServiceDeleteAdmin, confirm_then_run, run_service
from backoffice.admin_calendar import CalendarHierarchyAdmin
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_paging import CappedCountAdminMixin
from backoffice.admin_scoping import managed_organizations
from backoffice.errors import InvalidRequest
from backoffice.models import Organization
from backoffice.roles import Perm

from . import services
from .access import deletable, delete_perm
from .admin_access import ProjectAccessAdmin
from .admin_grants import GroupGrantInline, UserGrantInline, save_grants
from .constants import Status
from .guards import is_read_only
from .models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from .signals import deletion_guards
from .tree import descendant_ids
from .validation import clean_project_fields

#: Filled by apps above (which this one must not import): ``(project) -> [(channel,
#: template label), …]``, what each of the project's channels serves now, DEV first.
served_by: list[Callable[[Project], list[tuple[str, str]]]] = []

STATUS_COLOURS = {Status.DRAFT: "#6b7280", Status.ACTIVE: "#15803d", Status.ARCHIVED: "#92400e"}
TRASH_COLOUR = "#b91c1c"


class TagsField(forms.CharField):
    """Tags typed as people type them: comma-separated words; stored as a list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(tag) for tag in value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [tag.strip() for tag in text.split(",") if tag.strip()]


class ProjectAdminForm(forms.ModelForm):
    tags = TagsField(
        required=False,
        help_text="Comma-separated, e.g. cards, q2. Stored in lower case.",
        widget=forms.TextInput(attrs={"size": 60}),
    )

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
        cleaned = super().clean()
        # The service's own checks, so a refused value is shown next to its field, as typed.
        try:
            clean_project_fields(
                {name: cleaned[name] for name in services.EDITABLE_FIELDS if name in cleaned}
            )
        except InvalidRequest as error:
            add_refusal(self, error)
        return cleaned


class OrganizationFilter(admin.RelatedFieldListFilter):
    """The organizations holding a project the user sees, as ``RelatedOnlyFieldListFilter``
    lists them, but asked organization by organization (``EXISTS``, one index probe each):
    the stock filter reads ``DISTINCT organization_id`` over every project (135 ms at
    1 000 000 projects, on every page of the changelist)."""

    def field_choices(self, field, request, model_admin):
        projects = model_admin.get_queryset(request).order_by()
        holding = Organization.objects.filter(
            Exists(projects.filter(organization=OuterRef("pk")))
        ).order_by(*(Organization._meta.ordering or ["name"]))
        return [(organization.pk, str(organization)) for organization in holding]


class TrashedFilter(admin.SimpleListFilter):
    """Live projects by default; the trash, or everything, on demand."""

    title = "trash"
    parameter_name = "trashed"

    def lookups(self, request, model_admin):
        return [("yes", "In the trash"), ("all", "Live and in the trash")]

    def choices(self, changelist):
        value = self.value()
        yield {
            "selected": value in (None, "no"),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Live",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(trashed_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(trashed_at__isnull=True)


@admin.register(Project)
class ProjectAdmin(
    CalendarHierarchyAdmin,
    CappedCountAdminMixin,
    ProjectAccessAdmin,
    ServiceDeleteAdmin,
    ServiceAdminMixin,
    AuditHistoryMixin,
    GuardedModelAdminMixin,
    display.ReadOnlyPageMixin,
    admin.ModelAdmin,
):
    """An archived or trashed project's page is read-only (no Save buttons); its grants are
    listed, not edited there.

    Guardian's raw object-permission pages (``…/permissions/``) are for superusers only;
    everyone else edits grants in the inlines, through the grant services."""

    project_path = ""
    add_perm = Perm.EDIT_PROJECTS
    change_perm = Perm.EDIT_PROJECTS
    delete_perm = Perm.ADMINISTER_PROJECTS
    action_perms = {
        "activate": Perm.EDIT_PROJECTS,
        "archive": Perm.ADMINISTER_PROJECTS,
        "trash": Perm.ADMINISTER_PROJECTS,
        "restore": Perm.ADMINISTER_PROJECTS,
    }
    form = ProjectAdminForm
    inlines = [UserGrantInline, GroupGrantInline]
    list_display = [
        "name",
        "organization",
        "status_badge",
        "visibility",
        "tag_chips",
        "job_code",
        "created_at",
    ]
    list_filter = [
        TrashedFilter,
        "status",
        "visibility",
        ("organization", OrganizationFilter),
    ]
    date_hierarchy = "created_at"  # drawn from the calendar (CalendarHierarchyAdmin)
    search_fields = ["name", "slug", "job_code"]
    list_select_related = ["organization"]
    # No COUNT(*) over the whole table on every page: neither the unfiltered total nor the
    # paginator's (counted up to a cap, ``CappedCountAdminMixin``).
    ordering = ["-created_at", "-id"]
    actions = ["activate", "archive", "trash", "restore"]
    fieldsets = [
        (None, {"fields": ["organization", "name", "slug", "description", "status_badge"]}),
        ("Audience", {"fields": ["visibility", "locale", "tags"]}),
        ("References", {"fields": ["job_code", "external_id", "category", "parent"]}),
        (
            "History",
            {
                "fields": [
                    "created_by_name",
                    "created_at",
                    "updated_at",
                    "archived_at",
                    "trashed_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "slug",
        "status_badge",
        "parent",
        "created_by_name",
        "created_at",
        "updated_at",
        "archived_at",
        "trashed_at",
    ]

    created_by_name = display.person_column("created_by", "created by")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and is_read_only(obj):
            # Read-only (comments excepted): shown as text, not as fields that can't be saved.
            editable = (f for f in ProjectAdminForm.Meta.fields if f not in fields)
            return [*fields, *editable, "tag_chips"]
        return [*fields, "organization"] if obj else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not is_read_only(obj):
            return fieldsets
        # Read-only tags read as chips, not as the stored JSON list.
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        "tag_chips" if field == "tags" else field for field in options["fields"]
                    ],
                },
            )
            for name, options in fieldsets
        ]

    def allows(self, request, perm, obj=None) -> bool:
        if perm == self.delete_perm and obj is not None:
            perm = delete_perm(request.user, obj)  # the creator's own project, as in the API
        return super().allows(request, perm, obj)

    def permitted(self, request, queryset, perm):
        if perm != self.delete_perm or request.user.is_superuser:
            return super().permitted(request, queryset, perm)
        return deletable(queryset, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            # A project is created where the organization role allows it (a grant is not
            # enough), as through the API.
            kwargs["queryset"] = Organization.objects.filter(
                pk__in=managed_organizations(request.user, self.add_perm)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="status", ordering="status")
    def status_badge(self, project: Project) -> str:
        status = display.badge(project.status, STATUS_COLOURS.get(project.status, display.GREY))
        if project.trashed_at is None:
            return status
        return format_html("{} {}", status, display.badge("In the trash", TRASH_COLOUR))

    @admin.display(description="tags")
    def tag_chips(self, project: Project) -> str:
        return display.chips(project.tags)

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

    delete_warning = (
        "Deleting is for good: it can't be undone. To take a project out of use but keep it "
        "restorable for 14 days, move it to the trash instead (the \u201cMove selected "
        "projects to the trash\u201d action)."
    )

    def delete_with_service(self, request, obj: Project) -> None:
        services.project_delete(actor=Actor.for_user(request.user), project=obj)

    def delete_refusal(self, obj: Project) -> str | None:
        """What ``project_delete`` will refuse, asked of the same guards (read-only here)."""
        below = Project.objects.filter(pk__in=descendant_ids(obj, live_only=False))
        for member in [obj, *below]:
            for guard in deletion_guards:
                reason = guard(member)
                if reason:
                    return reason if member.pk == obj.pk else f"sub-project {member}: {reason}"
        return None

    def delete_consequences(self, obj: Project) -> list[str]:
        lines = self._sub_projects(obj)
        lines += [
            f"{channel} stops serving \u201c{label}\u201d." for channel, label in _served(obj)
        ]
        return [*lines, *super().delete_consequences(obj)]

    @staticmethod
    def _sub_projects(project: Project) -> list[str]:
        count = len(descendant_ids(project))
        if not count:
            return []
        if count == 1:
            return ["Its 1 sub-project goes with it."]
        return [f"Its {count} sub-projects go with it."]

    def _act(self, request, queryset, service, verb: str) -> None:
        actor = Actor.for_user(request.user)
        run_service(
            self,
            request,
            queryset,
            lambda project: service(actor=actor, project=project),
            verb=verb,
        )

    @admin.action(description="Activate selected projects")
    def activate(self, request, queryset):
        self._act(request, queryset, services.project_activate, "Activated")

    @admin.action(description="Archive selected projects…")
    def archive(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset,
            action="archive",
            title="Archive projects?",
            question="Archive the selected projects?",
            general=[
                "An archived project is read-only (comments excepted) and can't be made "
                "active again.",
                "Every channel stops serving: its template in Production becomes Previous, "
                "and the public links show \u201cno longer available\u201d.",
            ],
            button="Yes, archive",
            verb="Archived",
            act=lambda project: services.project_archive(actor=actor, project=project),
            consequences=lambda project: [
                f"{channel} stops serving \u201c{label}\u201d."
                for channel, label in _served(project)
            ],
            refusal=lambda project: (
                "it is already archived." if project.status == Status.ARCHIVED else None
            ),
        )

    @admin.action(description="Move selected projects (and their sub-projects) to the trash…")
    def trash(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset,
            action="trash",
            title="Move projects to the trash?",
            question="Move the selected projects, and their sub-projects, to the trash?",
            general=[
                "Their channels, public links and API credentials stop serving until they "
                "are restored.",
                "The trash is purged after 14 days: then they are deleted for good.",
            ],
            button="Yes, move to the trash",
            verb="Moved {} to the trash",
            act=lambda project: services.project_trash(actor=actor, project=project),
            consequences=lambda project: [
                *self._sub_projects(project),
                *(
                    f"{channel} stops serving \u201c{label}\u201d until restored."
                    for channel, label in _served(project)
                ),
            ],
            refusal=lambda project: (
                "it is already in the trash." if project.trashed_at is not None else None
            ),
        )

    @admin.action(description="Restore selected projects from the trash")
    def restore(self, request, queryset):
        self._act(request, queryset, services.project_restore, "Restored")


def _served(project: Project) -> list[tuple[str, str]]:
    return [pair for source in served_by for pair in source(project)]


@dashboard.register
def projects_by_status(request):
    """The live projects the user may see, counted by status (one grouped query)."""
    user = request.user
    if not user.is_authenticated:
        return None
    rows = (
        Project.objects.restrict(user, Perm.VIEW)
        .filter(trashed_at__isnull=True)
        .values("status")
        .annotate(number=Count("pk"))
    )
    counted = {row["status"]: row["number"] for row in rows}
    changelist = reverse("admin:projects_project_changelist")
    body = format_html_join(
        "",
        '<p><a href="{}?status__exact={}"><span class="dashboard-figure">{}</span></a> {}</p>',
        (
            (
                changelist,
                status,
                counted.get(status, 0),
                display.badge(status, STATUS_COLOURS[status]),
            )
            for status in (Status.DRAFT, Status.ACTIVE, Status.ARCHIVED)
        ),
    )
    return "Projects by status", body
