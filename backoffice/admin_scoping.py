"""Tenancy in the staff admin. Superusers (the system Owner) see everything; any other staff
user sees only what belongs to organizations where they hold an active membership — in
changelists, change pages, autocompletes, foreign-key choices, list filters and actions
alike, since all of them start from ``get_queryset`` or the scoped choices below."""

from django.db.models import QuerySet

from .models import Membership, Organization, User
from .permissions import active_org_roles, org_role
from .roles import Perm, role_allows


def staff_organizations(user: User) -> QuerySet[Organization] | None:
    """The organizations a staff user may work on, or None for all of them."""
    if user.is_superuser:
        return None
    return Organization.objects.filter(
        pk__in=Membership.objects.filter(user=user, deactivated_at__isnull=True).values(
            "organization_id"
        )
    )


def scope_to_organizations(queryset: QuerySet, path: str, user: User) -> QuerySet:
    """``queryset`` narrowed to rows whose ``path`` leads to one of the user's organizations
    (``path=""`` when the rows are organizations). Multi-valued paths give no duplicates."""
    organizations = staff_organizations(user)
    if organizations is None:
        return queryset
    lookup = f"{path}__in" if path else "pk__in"
    matching = queryset.model._default_manager.filter(**{lookup: organizations}).values("pk")
    return queryset.filter(pk__in=matching)


#: How to reach the organization from the models other admins point at.
RELATED_PATHS = {
    "backoffice.organization": "",
    "backoffice.user": "memberships__organization",
    "projects.project": "organization",
}


class ScopedChoicesAdmin:
    """Mixin for a ModelAdmin: foreign-key choices only from the user's organizations."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = RELATED_PATHS.get(db_field.related_model._meta.label_lower)
        if path is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope_to_organizations(
                db_field.related_model._default_manager.all(), path, request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganizationScopedAdmin(ScopedChoicesAdmin):
    """Mixin for a ModelAdmin; ``organization_path`` leads from its model to Organization."""

    organization_path = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return scope_to_organizations(queryset, self.organization_path, request.user)


class OrganizationManagedAdmin(OrganizationScopedAdmin):
    """Mixin for a ModelAdmin of rows only the organization's managers see, as in the API
    (webhooks: ``manage_perm`` even to read); the Owner sees all."""

    manage_perm = Perm.MANAGE_ORGANIZATION

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        lookup = f"{self.organization_path}__in"
        return queryset.filter(**{lookup: managed_organizations(request.user, self.manage_perm)})


class OrganizationRoleAdmin(OrganizationScopedAdmin):
    """Mixin for a ModelAdmin of rows that belong to one organization (``organization_path``
    a direct foreign key, or "" for Organization itself): adding, changing and deleting need
    ``manage_perm`` there, as the API operation does (SPEC §3, §15); the Owner may do all.
    Adding offers only the organizations where the user holds it."""

    manage_perm = Perm.MANAGE_ORGANIZATION

    def _organization_id(self, obj):
        return (
            obj.pk if not self.organization_path else getattr(obj, f"{self.organization_path}_id")
        )

    def _manages(self, request, obj=None) -> bool:
        user = request.user
        if user.is_superuser:
            return True
        if obj is None:
            return bool(managed_organizations(user, self.manage_perm))
        return role_allows(org_role(user, self._organization_id(obj)), self.manage_perm)

    def has_add_permission(self, request, *args) -> bool:
        return super().has_add_permission(request, *args) and self._manages(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Organization and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(
                pk__in=managed_organizations(request.user, self.manage_perm)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def managed_organizations(user: User, perm: Perm) -> list:
    """The ids of the organizations where the user's role allows ``perm``."""
    return [org for org, role in active_org_roles(user).items() if role_allows(role, perm)]
