"""Project grants on the project's admin page: a role per user or group, saved through
``project_grant_set`` / ``project_grant_remove`` so the API's rules and audit events hold."""

from django import forms
from django.contrib import admin

from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.roles import Perm

from . import services
from .access import allows
from .constants import GRANTABLE_ROLES, ROLE_BY_CODENAME
from .guards import is_read_only
from .models import ProjectGroupObjectPermission, ProjectUserObjectPermission

ROLE_CHOICES = [(role.value, role.label) for role in GRANTABLE_ROLES]


class GrantForm(forms.ModelForm):
    """The permission row is shown, and chosen, as a project role."""

    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = ROLE_BY_CODENAME.get(self.instance.permission.codename)


class UserGrantForm(GrantForm):
    class Meta:
        model = ProjectUserObjectPermission
        fields = ["user", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:  # the person by name, the e-mail beside it to tell apart
            self.fields["user"].label_from_instance = display.person_label


class GroupGrantForm(GrantForm):
    class Meta:
        model = ProjectGroupObjectPermission
        fields = ["group", "role"]


class GrantInline(admin.TabularInline):
    """Grants are managed by those the role table lets manage project members (SPEC §3)."""

    fk_name = "content_object"
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.principal, "permission")

    def _manages(self, request, project) -> bool:
        """Who manages members, on a project that is not read-only: an archived or trashed
        project's page is read-only as a whole, its grants listed but not edited there
        (the API's members endpoints still change them)."""
        if project is not None and is_read_only(project):
            return False
        if request.user.is_superuser:
            return True
        return project is not None and allows(request.user, Perm.MANAGE_PROJECT_MEMBERS, project)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._manages(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._manages(request, obj)


class UserGrantInline(GrantInline):
    model = ProjectUserObjectPermission
    form = UserGrantForm
    principal = "user"
    autocomplete_fields = ["user"]
    verbose_name = "grant to a user"
    verbose_name_plural = "grants to users"


class GroupGrantInline(GrantInline):
    model = ProjectGroupObjectPermission
    form = GroupGrantForm
    principal = "group"
    autocomplete_fields = ["group"]
    verbose_name = "grant to a group"
    verbose_name_plural = "grants to groups"


def save_grants(request, project, formset) -> None:
    """Apply the inline's rows through the grant services instead of saving them."""
    actor = Actor.for_user(request.user)
    principal = formset.form.Meta.fields[0]
    # What ``formset.save()`` would have listed for the admin log; the audit events written
    # by the services are the record of these changes.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        if not form.has_changed() and not form.cleaned_data.get("DELETE"):
            continue
        who = {principal: form.cleaned_data.get(principal) or getattr(form.instance, principal)}
        if form.cleaned_data.get("DELETE"):
            if form.instance.pk:
                services.project_grant_remove(actor=actor, project=project, **who)
            continue
        if form.instance.pk and getattr(form.instance, principal) != who[principal]:
            services.project_grant_remove(
                actor=actor, project=project, **{principal: getattr(form.instance, principal)}
            )
        services.project_grant_set(
            actor=actor, project=project, role=form.cleaned_data["role"], **who
        )
