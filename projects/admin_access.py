"""The access rule (``projects.access``) in the staff admin, for every model whose rows belong
to a project (SPEC §15): a staff user sees, changes, deletes and runs actions on exactly what
their role allows through the API, with the same permission as the API operation; the Owner
may do everything. Django's model permissions still apply on top (the Owner grants them).

A ``ModelAdmin`` names the way to its project (``project_path``) and the permission of each
operation; an action without one is not offered to anyone but the Owner. Actions a user may
run on no project are not offered, and an action runs only on the selected rows whose project
allows it (the others are reported, never touched), so a forged request changes nothing.
"""

from functools import wraps

from django.contrib import messages
from django.db.models import QuerySet
from django.utils.translation import ngettext

from backoffice.admin_scoping import ScopedChoicesAdmin
from backoffice.roles import Perm, least_role_for

from .access import allows, holds, may_somewhere
from .models import Project


class ProjectAccessAdmin(ScopedChoicesAdmin):
    #: From the admin's model to its project; "" when the model is ``Project``.
    project_path = "project"
    view_perm: Perm = Perm.VIEW
    #: None: nobody but the Owner (and only if the admin itself allows it).
    add_perm: Perm | None = None
    change_perm: Perm | None = None
    delete_perm: Perm | None = None
    #: The permission each action needs, by the action's name.
    action_perms: dict[str, Perm] = {}

    # What the user sees -------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return self.permitted(request, queryset, self.view_perm)

    def permitted(self, request, queryset: QuerySet, perm: Perm) -> QuerySet:
        """The rows of ``queryset`` whose project allows the user ``perm``."""
        if request.user.is_superuser:
            return queryset
        if not self.project_path:
            return queryset.filter(holds(request.user, least_role_for(perm)))
        projects = Project.objects.restrict(request.user, perm).values("pk")
        return queryset.filter(**{f"{self.project_path}__in": projects})

    def project_of(self, obj) -> Project:
        if not self.project_path:
            return obj
        for name in self.project_path.split("__"):
            obj = getattr(obj, name)
        return obj

    def allows(self, request, perm: Perm | None, obj=None) -> bool:
        """May the user do ``perm`` on this row (on some row, without one)?"""
        if request.user.is_superuser:
            return True
        if perm is None:
            return False
        if obj is None:
            return may_somewhere(request.user, perm)
        return allows(request.user, perm, self.project_of(obj))

    # What the user may do -----------------------------------------------------------------

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self.allows(
            request, self.view_perm, obj
        )

    def has_add_permission(self, request, *args) -> bool:
        return super().has_add_permission(request, *args) and self.allows(request, self.add_perm)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.allows(
            request, self.change_perm, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.allows(
            request, self.delete_perm, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Project and not request.user.is_superuser:
            perm = self.add_perm or self.change_perm or self.view_perm
            kwargs["queryset"] = Project.objects.restrict(request.user, perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Actions ------------------------------------------------------------------------------

    def action_perm(self, name: str) -> Perm | None:
        if name == "delete_selected":
            return self.delete_perm
        return self.action_perms.get(name)

    def get_actions(self, request):
        """The actions the user may run somewhere, each run only on the selected rows whose
        project allows it."""
        actions = super().get_actions(request)
        if request.user.is_superuser:
            return actions
        return {
            name: (self._guarded(func, self.action_perm(name)), name, description)
            for name, (func, _, description) in actions.items()
            if self.allows(request, self.action_perm(name))
        }

    @staticmethod
    def _guarded(func, perm: Perm):
        @wraps(func)
        def guarded(modeladmin, request, queryset):
            allowed = modeladmin.permitted(request, queryset, perm)
            refused = queryset.count() - allowed.count()
            if refused:
                message = ngettext(
                    "%d selected row was left alone: your role does not allow this there.",
                    "%d selected rows were left alone: your role does not allow this there.",
                    refused,
                )
                modeladmin.message_user(request, message % refused, messages.ERROR)
                if not allowed.exists():
                    return None  # back to the list: nothing to do
            return func(modeladmin, request, allowed)

        return guarded
