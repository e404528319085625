"""A base for admin pages that only show rows: the rows change through services elsewhere
(inlines, actions, the API), never by a raw add, change or delete here."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, changed only through services elsewhere."""

    extra = 0
    can_delete = False
    classes = ["readonly-inline"]  # the stylesheet drops the repeated row titles

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def attach_inlines(model, *inlines) -> None:
    """Add inlines to the registered admin of a model from an app above it, which the
    model's own app must not import (e.g. channels and credentials on the project page)."""
    model_admin = admin.site.get_model_admin(model)
    model_admin.inlines = [
        *model_admin.inlines,
        *(i for i in inlines if i not in model_admin.inlines),
    ]
