"""Staff admin of comments, user groups and project grants. Changes go through the services,
so rules and audit events are the same as the API's; what has no service here is read-only."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join

from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.admin import ServiceAdminMixin
from backoffice.admin_actions import ServiceDeleteAdmin
from backoffice.admin_history import AuditHistoryPageMixin, audit_history
from backoffice.admin_readonly import ReadOnlyInline, attach_inlines
from backoffice.admin_scoping import OrganizationRoleAdmin
from backoffice.errors import DomainError
from backoffice.models import AuditEvent
from backoffice.roles import Perm
from projects.admin_access import ProjectAccessAdmin
from projects.constants import ROLE_BY_CODENAME
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from projects.services import project_grant_remove

from . import services
from .api.views import stream_csv
from .models import Comment, UserGroup


class HistoryMixin(AuditHistoryPageMixin):
    """A read-only ``history`` field: the object's audit events."""

    @admin.display(description="history")
    def history(self, obj) -> str:
        return audit_history(obj)


@admin.register(Comment)
class CommentAdmin(ProjectAccessAdmin, HistoryMixin, ServiceDeleteAdmin, admin.ModelAdmin):
    """Comments are written by their authors through the API; staff read and moderate.
    Deleting is for the comment's author or a moderator (``can_delete_comment``)."""

    delete_perm = Perm.COMMENT

    list_display = ["short_message", "project", "author_name", "edited", "created_at"]
    list_filter = ["edited", ("project__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["message", "author__email", "author__display_name", "project__name"]
    list_select_related = ["project", "author"]
    readonly_fields = [
        "project",
        "author_name",
        "message",
        "mentioned",
        "edited",
        "created_at",
        "updated_at",
        "history",
    ]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]

    author_name = display.person_column("author")

    @admin.display(description="mentioned")
    def mentioned(self, comment: Comment) -> str:
        people = comment.mentioned_users.order_by("display_name", "email")
        return format_html_join(", ", "{}", ((display.person(user),) for user in people)) or "—"

    @admin.display(description="message")
    def short_message(self, comment: Comment) -> str:
        return comment.message if len(comment.message) <= 80 else comment.message[:79] + "…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or services.can_delete_comment(request.user, obj))

    def permitted(self, request, queryset, perm):
        permitted = super().permitted(request, queryset, perm)
        if perm != self.delete_perm or request.user.is_superuser:
            return permitted
        moderated = super().permitted(request, queryset, Perm.MODERATE_COMMENTS)
        return permitted.filter(author=request.user) | moderated

    def delete_with_service(self, request, obj: Comment) -> None:
        services.comment_delete(actor=Actor.for_user(request.user), comment=obj)

    def delete_consequences(self, obj: Comment) -> list[str]:
        return [f"\u201c{self.short_message(obj)}\u201d disappears from {obj.project}."]


class UserGroupForm(forms.ModelForm):
    class Meta:
        model = UserGroup
        fields = ["organization", "name"]

    def clean_name(self) -> str:
        """The service's check, so a taken name is refused next to the field ("This name is
        taken.") rather than by the database constraint's name above the form."""
        name = self.cleaned_data["name"]
        organization = self.cleaned_data.get("organization")
        organization_id = organization.pk if organization else self.instance.organization_id
        if organization_id is None:
            return name  # the organization's own error is shown
        try:
            return services.check_group_name(organization_id, name, user_group=self.instance)
        except DomainError as error:
            raise forms.ValidationError(error.errors.get("name") or [error.detail]) from None


@admin.register(UserGroup)
class UserGroupAdmin(
    OrganizationRoleAdmin, HistoryMixin, ServiceDeleteAdmin, ServiceAdminMixin, admin.ModelAdmin
):
    """Groups are created, renamed and deleted by the organization's admins (as the API)."""

    list_display = ["name", "organization", "member_count", "created_at"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "group"]
    form = UserGroupForm
    fields = ["organization", "name", "members", "created_at", "updated_at", "history"]
    readonly_fields = ["members", "created_at", "updated_at", "history"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "organization"] if obj else fields

    @admin.display(description="members")
    def member_count(self, user_group: UserGroup) -> int:
        return user_group.group.user_set.count()

    @admin.display(description="members")
    def members(self, user_group: UserGroup) -> str:
        if not user_group.pk:
            return "—"
        people = user_group.group.user_set.order_by("display_name", "email")
        return format_html_join(
            "", '<span class="chip">{}</span>', ((display.person(user),) for user in people)
        )

    def save_model(self, request, obj: UserGroup, form, change: bool) -> None:
        actor = Actor.for_user(request.user)
        if change:
            saved = services.user_group_rename(actor=actor, user_group=obj, name=obj.name)
        else:
            saved = services.user_group_create(
                actor=actor, organization=obj.organization, name=obj.name
            )
        obj.pk, obj.group = saved.pk, saved.group

    def delete_with_service(self, request, obj: UserGroup) -> None:
        services.user_group_delete(actor=Actor.for_user(request.user), user_group=obj)

    def delete_consequences(self, obj: UserGroup) -> list[str]:
        members = obj.group.user_set.count()
        grants = ProjectGroupObjectPermission.objects.filter(group=obj.group).count()
        return [
            f"Its {members} member{'s' if members != 1 else ''} lose what the group gives on "
            f"{grants} project{'s' if grants != 1 else ''}."
        ]


class GrantAdmin(ProjectAccessAdmin, ServiceDeleteAdmin, admin.ModelAdmin):
    """Grants are made through the API (members, groups, guests); staff see and revoke them,
    as those who manage the project's members."""

    project_path = "content_object"
    delete_perm = Perm.MANAGE_PROJECT_MEMBERS

    list_select_related = ["content_object__organization", "permission"]
    list_filter = [("content_object__organization", admin.RelatedOnlyFieldListFilter)]
    show_full_result_count = False

    @admin.display(description="role")
    def role(self, grant) -> str:
        return ROLE_BY_CODENAME.get(grant.permission.codename, grant.permission.codename)

    @admin.display(description="project")
    def project(self, grant) -> str:
        return display.link(grant.content_object)

    def delete_consequences(self, obj) -> list[str]:
        holder = getattr(obj, "user", None) or obj.group
        return [f"{holder} loses the role {self.role(obj)} on {obj.content_object}."]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProjectUserObjectPermission)
class ProjectUserGrantAdmin(GrantAdmin):
    list_display = ["user_name", "project", "role"]
    list_select_related = [*GrantAdmin.list_select_related, "user"]
    search_fields = ["user__email", "user__display_name", "content_object__name"]

    user_name = display.person_column("user")

    def delete_with_service(self, request, obj) -> None:
        project_grant_remove(
            actor=Actor.for_user(request.user), project=obj.content_object, user=obj.user
        )


@admin.register(ProjectGroupObjectPermission)
class ProjectGroupGrantAdmin(GrantAdmin):
    list_display = ["group", "project", "role"]
    list_select_related = [*GrantAdmin.list_select_related, "group__user_group"]
    search_fields = ["group__user_group__name", "content_object__name"]

    def delete_with_service(self, request, obj) -> None:
        project_grant_remove(
            actor=Actor.for_user(request.user), project=obj.content_object, group=obj.group
        )


class ProjectCommentInline(ReadOnlyInline):
    """The project's comments on its page, newest first."""

    model = Comment
    fields = ["author_name", "message", "edited", "created_at"]
    ordering = ["-created_at"]

    author_name = display.person_column("author")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


attach_inlines(Project, ProjectCommentInline)


# The audit trail's list exports the API's CSV (same columns, same cells).
type(admin.site.get_model_admin(AuditEvent)).csv_export = staticmethod(stream_csv)
