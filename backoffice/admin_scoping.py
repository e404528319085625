"""Tenancy in the staff admin. Superusers (the system Owner) see everything; any other staff
user sees only what belongs to organizations where they hold an active membership — in
changelists, change pages, autocompletes, foreign-key choices, list filters and actions
alike, since all of them start from ``get_queryset`` or the scoped choices below."""

from django.db.models import QuerySet

from .models import Membership, Organization, User


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


class OrganizationScopedAdmin:
    """Mixin for a ModelAdmin; ``organization_path`` leads from its model to Organization."""

    organization_path = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return scope_to_organizations(queryset, self.organization_path, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = RELATED_PATHS.get(db_field.related_model._meta.label_lower)
        if path is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope_to_organizations(
                db_field.related_model._default_manager.all(), path, request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
