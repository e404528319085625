"""Staff admin of distribution channels. Through the services only.

``projects/admin.py`` must not import shares, so the channels inline on the project page and
the publish/unpublish actions on templates are added here, at import time, to the already
registered ``ProjectAdmin`` and ``TemplateAdmin`` (the admin autodiscovery imports every app's
``admin`` module, ``projects`` and ``templates`` first as they come first in INSTALLED_APPS).
"""

from django.contrib import admin, messages
from django.contrib.admin.sites import NotRegistered

from backoffice.actors import Actor
from backoffice.errors import DomainError
from projects.models import Project
from templates.models import Template

from . import services
from .constants import CHANNEL_ORDER
from .models import DistributionChannel


class DistributionChannelInline(admin.TabularInline):
    model = DistributionChannel
    fields = ["channel", "active_template", "channel_handle", "published_by", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DistributionChannel)
class DistributionChannelAdmin(admin.ModelAdmin):
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
    try:
        project_admin = admin.site.get_model_admin(Project)
        if DistributionChannelInline not in project_admin.inlines:
            project_admin.inlines = [*project_admin.inlines, DistributionChannelInline]
    except NotRegistered:
        pass
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
