"""Staff admin of distribution channels and public video shares. Through the services only.

``projects/admin.py`` must not import shares, so the channels inline on the project page and
the publish/unpublish actions on templates are added here, at import time, to the already
registered ``ProjectAdmin`` and ``TemplateAdmin`` (the admin autodiscovery imports every app's
``admin`` module, ``projects`` and ``templates`` first as they come first in INSTALLED_APPS).
"""

from django.contrib import admin, messages
from django.contrib.admin.sites import NotRegistered
from django.utils.html import format_html

from backoffice.actors import Actor
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyInline, attach_inlines
from backoffice.admin_scoping import OrganizationScopedAdmin
from backoffice.errors import DomainError
from projects.models import Project
from templates.models import Template

from . import counting, services
from .constants import CHANNEL_ORDER, ShareStatus
from .models import DistributionChannel, PublicVideoShare, ShareCountFlush, ShareDailyCount


class DistributionChannelInline(ReadOnlyInline):
    model = DistributionChannel
    fields = ["channel", "active_template", "channel_handle", "published_by", "published_at"]


@admin.register(DistributionChannel)
class DistributionChannelAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    organization_path = "project__organization"
    list_display = ["project", "channel", "active_template", "published_by", "published_at"]
    list_filter = ["channel"]
    search_fields = ["project__name", "project__slug", "channel_handle"]
    list_select_related = ["project", "active_template", "published_by"]
    show_full_result_count = False
    fields = ["project", "channel", "active_template", "channel_handle", "published_by"]
    readonly_fields = fields
    actions = ["unpublish"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Unpublish selected channels")
    def unpublish(self, request, queryset):
        done = 0
        for row in queryset.select_related("project"):
            try:
                services.channel_unpublish(
                    actor=Actor.for_user(request.user), project=row.project, channel=row.channel
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{row}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, f"Unpublished {done} channel(s).", messages.SUCCESS)


SHARE_STATUS_COLOURS = {ShareStatus.ENABLED: "#15803d", ShareStatus.DISABLED: "#6b7280"}


def share_link(share: PublicVideoShare) -> str:
    return format_html('<a href="{0}" target="_blank" rel="noopener">{0}</a>', share.url)


def share_status_badge(share: PublicVideoShare) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:9px">{}</span>',
        SHARE_STATUS_COLOURS.get(share.status, "#6b7280"),
        share.status,
    )


class ShareCountsMixin:
    """``view_count``/``cta_click_count`` columns: the flushed sums (annotated in the page's
    query) plus what is pending in the cache."""

    def get_queryset(self, request):
        return counting.with_flushed_counts(super().get_queryset(request))

    def _counts(self, share: PublicVideoShare) -> PublicVideoShare:
        if not hasattr(share, "view_count"):
            if not hasattr(share, "flushed_views"):
                share.flushed_views, share.flushed_cta_clicks = 0, 0
                share.view_count, share.cta_click_count = counting.share_counts(share.pk)
            else:
                counting.attach_counts([share])
        return share

    @admin.display(description="views")
    def view_count(self, share: PublicVideoShare) -> int:
        return self._counts(share).view_count

    @admin.display(description="CTA clicks")
    def cta_click_count(self, share: PublicVideoShare) -> int:
        return self._counts(share).cta_click_count


class PublicVideoShareInline(ShareCountsMixin, ReadOnlyInline):
    model = PublicVideoShare
    fields = ["channel", "status", "public_title", "link", "view_count", "cta_click_count"]

    @admin.display(description="public link")
    def link(self, share: PublicVideoShare) -> str:
        return share_link(share)


@admin.register(PublicVideoShare)
class PublicVideoShareAdmin(
    ShareCountsMixin, OrganizationScopedAdmin, AuditHistoryMixin, admin.ModelAdmin
):
    """Shares are edited through the API (PUT); staff see them and disable, restore or rotate
    their slug, through the same services and with the same events."""

    organization_path = "project__organization"
    list_display = [
        "project",
        "channel",
        "status_badge",
        "public_title",
        "link",
        "view_count",
        "cta_click_count",
        "updated_at",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["project__name", "project__slug", "public_title", "slug"]
    list_select_related = ["project"]
    show_full_result_count = False
    actions = ["disable", "restore", "rotate_slug"]
    fieldsets = [
        (None, {"fields": ["project", "channel", "status_badge", "link", "slug"]}),
        (
            "Landing page",
            {
                "fields": [
                    "public_title",
                    "public_subtitle",
                    "locale",
                    "cta_label",
                    "cta_url",
                    "personalization_data",
                    "api_credential",
                ]
            },
        ),
        ("Counts", {"fields": ["view_count", "cta_click_count"]}),
        (
            "Audit",
            {
                "fields": [
                    "created_at",
                    "created_by",
                    "updated_at",
                    "disabled_at",
                    "disabled_by",
                    "restored_at",
                    "restored_by",
                    "slug_rotated_at",
                    "slug_rotated_by",
                ]
            },
        ),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # view only: changes go through the actions (services)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="status", ordering="status")
    def status_badge(self, share: PublicVideoShare) -> str:
        return share_status_badge(share)

    @admin.display(description="public link")
    def link(self, share: PublicVideoShare) -> str:
        return share_link(share)

    def _run(self, request, queryset, service, done_message: str) -> None:
        done = 0
        for share in queryset.select_related("project"):
            try:
                service(
                    actor=Actor.for_user(request.user), project=share.project, channel=share.channel
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{share}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, done_message.format(done), messages.SUCCESS)

    @admin.action(description="Disable selected shares")
    def disable(self, request, queryset) -> None:
        self._run(request, queryset, services.share_disable, "Disabled {} share(s).")

    @admin.action(description="Restore selected shares")
    def restore(self, request, queryset) -> None:
        self._run(request, queryset, services.share_restore, "Restored {} share(s).")

    @admin.action(description="Rotate the slug of selected shares (old links stop working)")
    def rotate_slug(self, request, queryset) -> None:
        self._run(request, queryset, services.share_rotate_slug, "Rotated the slug of {} share(s).")


@admin.register(ShareDailyCount)
class ShareDailyCountAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    """The daily views and CTA clicks of shares, as flushed (read-only: only counting writes
    them)."""

    organization_path = "share__project__organization"
    list_display = ["share", "day", "views", "cta_clicks"]
    list_filter = ["day"]
    search_fields = ["share__project__name", "share__public_title"]
    list_select_related = ["share__project"]
    date_hierarchy = "day"
    show_full_result_count = False
    fields = ["share", "day", "views", "cta_clicks"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShareCountFlush)
class ShareCountFlushAdmin(admin.ModelAdmin):
    """The batches of pending counts already applied (bookkeeping of ``flush_share_counts``,
    kept seven days; the Owner only)."""

    list_display = ["batch", "flushed_at"]
    readonly_fields = ["batch", "flushed_at"]
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _publish_action(channel: str):
    def publish(modeladmin, request, queryset):
        done = 0
        for template in queryset.select_related("project"):
            try:
                services.channel_publish(
                    actor=Actor.for_user(request.user),
                    project=template.project,
                    channel=channel,
                    template_id=template.pk,
                )
                done += 1
            except DomainError as error:
                modeladmin.message_user(request, f"{template}: {error.detail}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, f"Published {done} template(s) to {channel}.", messages.SUCCESS
            )

    publish.__name__ = f"publish_to_{channel.lower()}"
    publish.short_description = f"Publish to {channel}"
    return publish


def _extend_registered_admins() -> None:
    attach_inlines(Project, DistributionChannelInline, PublicVideoShareInline)
    try:
        template_admin = admin.site.get_model_admin(Template)
        actions = list(template_admin.actions or [])
        for channel in CHANNEL_ORDER:
            if not any(
                getattr(a, "__name__", a) == f"publish_to_{channel.lower()}" for a in actions
            ):
                actions.append(_publish_action(channel))
        template_admin.actions = actions
    except NotRegistered:
        pass


_extend_registered_admins()
