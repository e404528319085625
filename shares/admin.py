"""Staff admin of distribution channels and public video shares. Through the services only.

``projects/admin.py`` must not import shares, so the channels inline on the project page and
the publish/unpublish actions on templates are added here, at import time, to the already
registered ``ProjectAdmin`` and ``TemplateAdmin`` (the admin autodiscovery imports every app's
``admin`` module, ``projects`` and ``templates`` first as they come first in INSTALLED_APPS).
"""

from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.admin.sites import NotRegistered
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from backoffice import admin_dashboard as dashboard
from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.admin import ServiceAdminMixin
from backoffice.admin_actions import confirm_then_run, run_service
from backoffice.admin_calendar import CalendarHierarchyAdmin
from backoffice.admin_history import AuditHistoryMixin, AuditHistoryPageMixin
from backoffice.admin_readonly import ReadOnlyInline, attach_inlines
from backoffice.admin_scoping import OrganizationScopedAdmin
from backoffice.errors import Forbidden
from backoffice.permissions import has_perm
from backoffice.roles import Perm
from projects import admin as projects_admin
from projects.access import allows as access_allows
from projects.admin_access import ProjectAccessAdmin
from projects.models import Project
from templates.models import Template

from . import counting, public, series, services
from .constants import CHANNEL_ORDER, DeployStatus, ShareStatus
from .models import (
    DeployRequest,
    DistributionChannel,
    OrganizationBranding,
    PublicVideoShare,
    ShareCountFlush,
    ShareDailyCount,
)
from .public_urls import logo_path_url


def served_template(row: DistributionChannel) -> str:
    if row.active_template is None:
        return "Nothing published"
    return display.link(row.active_template)


class DistributionChannelInline(ReadOnlyInline):
    model = DistributionChannel
    fields = ["channel", "serves", "published_by_name", "published_at", "channel_handle"]
    verbose_name_plural = "distribution channels (DEV, STAGING, PROD)"

    published_by_name = display.person_column("published_by", "published by")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("active_template", "published_by")
        return queryset.order_by(display.channel_order())

    @admin.display(description="serves")
    def serves(self, row: DistributionChannel) -> str:
        return served_template(row)


@admin.register(DistributionChannel)
class DistributionChannelAdmin(
    ProjectAccessAdmin, AuditHistoryPageMixin, display.ReadOnlyPageMixin, admin.ModelAdmin
):
    action_perms = {"unpublish": Perm.PUBLISH_CHANNELS}
    list_display = ["project", "channel", "serves", "published_by_name", "published_at"]
    list_filter = ["channel"]
    search_fields = ["project__name", "project__slug", "channel_handle"]
    list_select_related = ["project", "active_template", "published_by"]
    show_full_result_count = False
    fields = [
        "project",
        "channel",
        "serves",
        "channel_handle",
        "published_by_name",
        "published_at",
    ]
    readonly_fields = fields
    actions = ["unpublish"]

    published_by_name = display.person_column("published_by", "published by")

    def get_ordering(self, request):
        return ["project_id", display.channel_order()]  # each project's, in promotion order

    @admin.display(description="serves")
    def serves(self, row: DistributionChannel) -> str:
        return served_template(row)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Unpublish selected channels…")
    def unpublish(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset.select_related("project", "active_template"),
            action="unpublish",
            title="Unpublish channels?",
            question="Stop serving the template of the selected channels?",
            general=[
                "Integrations reading these channels get nothing to play, and their public "
                "links show \u201cthis video is not available yet\u201d.",
                "A template unpublished from PROD leaves Production and becomes Previous.",
            ],
            button="Yes, unpublish",
            verb="Unpublished",
            act=lambda row: services.channel_unpublish(
                actor=actor, project=row.project, channel=row.channel
            ),
            consequences=lambda row: (
                [f"{row.channel} stops serving \u201c{row.active_template}\u201d."]
                if row.active_template
                else []
            ),
            refusal=lambda row: (
                None if row.active_template_id else f"nothing is published on {row.channel}."
            ),
        )


SHARE_STATUS_COLOURS = {ShareStatus.ENABLED: "#15803d", ShareStatus.DISABLED: "#6b7280"}
NOT_LIVE_COLOUR = "#b45309"


def share_link(share: PublicVideoShare) -> str:
    """The public link by its path (``/v/<slug>``, what tells links apart), cut to its
    column; the whole link is its tooltip and its target."""
    return format_html(
        '<a class="truncate narrow" href="{}" title="{}" target="_blank" rel="noopener">{}</a>',
        share.url,
        share.url,
        f"/v/{share.slug}",
    )


def share_status_badge(share: PublicVideoShare) -> str:
    """Green only when the landing page plays: an enabled share that is not live (nothing
    published on its channel, an archived project, an expired share or credential) reads
    "Enabled · not live" in amber, the reason as its tooltip."""
    if not share.is_enabled:
        return display.badge(share.status, SHARE_STATUS_COLOURS.get(share.status, display.GREY))
    reason = services.share_not_live_reason(share)
    if reason is None:
        return display.badge(share.status, SHARE_STATUS_COLOURS[ShareStatus.ENABLED])
    return format_html(
        '<span class="badge" style="background:{}" title="Not live: {}">{}</span>',
        NOT_LIVE_COLOUR,
        reason,
        f"{share.get_status_display()} \u00b7 not live",
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

    chart_size = (640, 180)

    @admin.display(description="last 30 days")
    def daily_chart(self, share: PublicVideoShare) -> str:
        if share.pk is None:
            return "-"
        last = counting.today()
        first = last - timedelta(days=series.DEFAULT_DAYS - 1)
        days = series.share_series({share.pk: share.channel}, first, last)
        width, height = self.chart_size
        return series.svg_chart(
            days, width=width, height=height, title=f"{share.channel} landing page"
        )


class PublicVideoShareInline(ShareCountsMixin, ReadOnlyInline):
    model = PublicVideoShare
    fields = [
        "channel",
        "status_badge",
        "title_link",
        "link",
        "view_count",
        "cta_click_count",
        "daily_chart",
    ]
    chart_size = (360, 110)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("project", "api_credential")
        return services.with_served_template(queryset).order_by(display.channel_order())

    @admin.display(description="status")
    def status_badge(self, share: PublicVideoShare) -> str:
        return share_status_badge(share)

    @admin.display(description="public title")
    def title_link(self, share: PublicVideoShare) -> str:
        return display.link(share, share.public_title)

    @admin.display(description="public link")
    def link(self, share: PublicVideoShare) -> str:
        return share_link(share)


#: The preview frame may run scripts and open the CTA in a new tab; no forms, no navigating the
#: admin away. It keeps its own (our) origin: the player inside it admits only our origin as
#: its parent (``frame-ancestors``), which an opaque-origin frame never matches. Only our own
#: script files run in it (its CSP has no inline script; user text is escaped), as on the
#: public page; the player inside is sandboxed to an opaque origin as there.
PREVIEW_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"


@admin.register(PublicVideoShare)
class PublicVideoShareAdmin(
    ShareCountsMixin, ProjectAccessAdmin, AuditHistoryMixin, admin.ModelAdmin
):
    """Shares are edited through the API (PUT); staff see them and disable, restore or rotate
    their slug, through the same services and with the same events."""

    action_perms = {
        "disable": Perm.MANAGE_SHARES,
        "restore": Perm.MANAGE_SHARES,
        "rotate_slug": Perm.MANAGE_SHARES,
    }
    list_display = [
        "project",
        "channel",
        "status_badge",
        "public_title",
        "link",
        "views_and_clicks",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["project__name", "project__slug", "public_title", "slug"]

    def get_ordering(self, request):
        return ["project_id", display.channel_order()]

    list_select_related = ["project", "api_credential"]
    show_full_result_count = False
    actions = ["disable", "restore", "rotate_slug"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "project",
                    "channel",
                    "status_badge",
                    "live",
                    "expiry",
                    "has_password",
                    "full_link",
                    "slug",
                ]
            },
        ),
        (
            "Landing page",
            {
                "fields": [
                    "public_title",
                    "public_subtitle",
                    "locale",
                    "cta_label",
                    "cta_url",
                    "personalization",
                    "api_credential",
                ]
            },
        ),
        ("As customers see it", {"fields": ["landing_preview"]}),
        ("Counts", {"fields": ["view_count", "cta_click_count", "daily_chart"]}),
        (
            "Audit",
            {
                "fields": [
                    "created_at",
                    "created_by_name",
                    "updated_at",
                    "disabled_at",
                    "disabled_by_name",
                    "restored_at",
                    "restored_by_name",
                    "slug_rotated_at",
                    "slug_rotated_by_name",
                ]
            },
        ),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    created_by_name = display.person_column("created_by", "created by")
    disabled_by_name = display.person_column("disabled_by", "disabled by")
    restored_by_name = display.person_column("restored_by", "restored by")
    slug_rotated_by_name = display.person_column("slug_rotated_by", "slug rotated by")

    def get_queryset(self, request):
        return services.with_served_template(super().get_queryset(request))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # view only: changes go through the actions (services)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # The framed preview of the public page -------------------------------------------------

    def get_urls(self):
        opts = self.opts
        preview = path(
            "<path:object_id>/preview/",
            self._staff_only(self.preview_view),
            name=f"{opts.app_label}_{opts.model_name}_preview",
        )
        return [preview, *super().get_urls()]

    def _staff_only(self, view):
        """The admin's own guard (login, CSRF, no cache), and a signed-in user who is not
        staff is refused (403) rather than sent to the login page inside a frame."""
        guarded = self.admin_site.admin_view(view)

        @wraps(view)
        def check(request, *args, **kwargs):
            if request.user.is_authenticated and not self.admin_site.has_permission(request):
                raise PermissionDenied
            return guarded(request, *args, **kwargs)

        return check

    def preview_view(self, request, object_id: str):
        """The landing page of a share the user may view, as its customers see it (see
        ``public.landing_preview``): 404 for a share outside what they may see."""
        share = self.get_object(request, unquote(object_id))
        if share is None:
            raise Http404
        if not self.has_view_permission(request, share):
            raise PermissionDenied
        return public.landing_preview(share.slug)

    @admin.display(description="landing page")
    def landing_preview(self, share: PublicVideoShare) -> str:
        if share.pk is None:
            return "-"
        opts = self.opts
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_preview", args=[quote(share.pk)])
        plays = share.is_enabled and services.share_not_live_reason(share) is None
        return format_html(
            '<iframe class="landing-preview{}" src="{}" title="{}" loading="lazy" '
            'sandbox="{}" '
            'referrerpolicy="no-referrer"></iframe>'
            '<p class="help">The page at {} as it is now, in its language and the '
            "organization\u2019s colours (or the notice customers get instead). Looking at it "
            "here counts no view{}; its CTA opens the stored link in a new tab.</p>",
            "" if plays else " notice",  # a notice needs no room for a player
            url,
            f"Preview of {share.url}",
            PREVIEW_SANDBOX,
            share.url,
            ", and no password is asked" if share.has_password else "",
        )

    @admin.display(description="password")
    def has_password(self, share: PublicVideoShare) -> str:
        """Whether the landing page asks for a password (never the password)."""
        if share.has_password:
            return "Protected: visitors enter the share's password first"
        return "None: anyone with the link sees the page"

    @admin.display(description="expires at")
    def expiry(self, share: PublicVideoShare) -> str:
        """When the landing page stops (410), or that it never does."""
        if share.expires_at is None:
            return "Never: the link works until the share is disabled"
        when = date_format(timezone.localtime(share.expires_at), "DATETIME_FORMAT")
        return f"{when} (expired)" if share.is_expired else when

    @admin.display(description="live")
    def live(self, share: PublicVideoShare) -> str:
        """Whether the landing page plays now, and if not, why."""
        reason = services.share_not_live_reason(share)
        if reason is None:
            return format_html(
                "{} the public link plays {}",
                display.badge("Live", SHARE_STATUS_COLOURS[ShareStatus.ENABLED]),
                share.channel,
            )
        return format_html(
            "{} {}", display.badge("Not live", NOT_LIVE_COLOUR), capfirst(reason) + "."
        )

    @admin.display(description="views / CTA clicks")
    def views_and_clicks(self, share: PublicVideoShare) -> str:
        return format_html(
            '<span class="nowrap">{} / {}</span>',
            self.view_count(share),
            self.cta_click_count(share),
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, share: PublicVideoShare) -> str:
        return share_status_badge(share)

    @admin.display(description="public link")
    def link(self, share: PublicVideoShare) -> str:
        return share_link(share)

    @admin.display(description="public link")
    def full_link(self, share: PublicVideoShare) -> str:
        return format_html('<a href="{0}" target="_blank" rel="noopener">{0}</a>', share.url)

    @admin.display(description="personalization data")
    def personalization(self, share: PublicVideoShare) -> str:
        data = share.personalization_data or {}
        if not data:
            return "None: the template's defaults play."
        return format_html_join(
            "", "<div><code>{}</code>: {}</div>", ((key, value) for key, value in data.items())
        )

    def _act(self, request, queryset, service, verb: str) -> None:
        actor = Actor.for_user(request.user)
        run_service(
            self,
            request,
            queryset.select_related("project"),
            lambda share: service(actor=actor, project=share.project, channel=share.channel),
            verb=verb,
        )

    @admin.action(description="Disable selected shares…")
    def disable(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset.select_related("project"),
            action="disable",
            title="Disable shares?",
            question="Disable the selected public shares?",
            general=[
                "Their public links answer \u201cthis video is no longer available\u201d until "
                "the share is restored."
            ],
            button="Yes, disable",
            verb="Disabled",
            act=lambda share: services.share_disable(
                actor=actor, project=share.project, channel=share.channel
            ),
            consequences=lambda share: [f"{share.url} stops showing the video."],
            refusal=lambda share: None if share.is_enabled else "it is already disabled.",
        )

    @admin.action(description="Restore selected shares")
    def restore(self, request, queryset) -> None:
        self._act(request, queryset, services.share_restore, "Restored")

    @admin.action(description="Rotate the slug of selected shares…")
    def rotate_slug(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset.select_related("project"),
            action="rotate_slug",
            title="Rotate the public links?",
            question="Give the selected shares a new public link?",
            general=[
                "The current links stop working at once, for everyone who has them; this "
                "can't be undone. Send the new links to the customers again."
            ],
            button="Yes, rotate",
            verb="Rotated the public link of {}",
            act=lambda share: services.share_rotate_slug(
                actor=actor, project=share.project, channel=share.channel
            ),
            consequences=lambda share: [f"{share.url} stops working."],
        )


@admin.register(ShareDailyCount)
class ShareDailyCountAdmin(CalendarHierarchyAdmin, ProjectAccessAdmin, admin.ModelAdmin):
    """The daily views and CTA clicks of shares, as flushed (read-only: only counting writes
    them)."""

    project_path = "share__project"
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


class BrandingForm(forms.ModelForm):
    logo = forms.FileField(
        required=False, help_text="PNG, JPEG, WebP or GIF, at most 2 MB; stored as a 256 px PNG."
    )
    remove_logo = forms.BooleanField(required=False)

    class Meta:
        model = OrganizationBranding
        fields = ["organization", "display_name", "brand_colour", "privacy_policy_url"]
        labels = {"privacy_policy_url": "Privacy policy URL"}


@admin.register(OrganizationBranding)
class OrganizationBrandingAdmin(
    OrganizationScopedAdmin, AuditHistoryMixin, ServiceAdminMixin, admin.ModelAdmin
):
    """The landing pages' look, edited by the organization's admins (and the Owner) through
    the same services and checks as ``/api/Organizations/{id}/branding``."""

    form = BrandingForm
    organization_path = "organization"
    list_display = ["organization", "display_name", "brand_colour", "privacy_policy_url"]
    search_fields = ["organization__name", "display_name"]
    list_select_related = ["organization"]
    readonly_fields = ["logo_preview"]

    def get_fields(self, request, obj=None):
        fields = ["display_name", "brand_colour", "privacy_policy_url", "logo_preview", "logo"]
        if obj is not None and obj.logo_path:
            fields.append("remove_logo")
        return (["organization"] if obj is None else []) + fields

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))  # the preview, the history
        return fields + (["organization"] if obj is not None else [])

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organization":  # only where the user may change the branding
            allowed = [
                org.pk
                for org in field.queryset
                if has_perm(request.user, Perm.MANAGE_ORGANIZATION, org)
            ]
            field.queryset = field.queryset.filter(pk__in=allowed)
        return field

    def has_add_permission(self, request) -> bool:
        return request.user.is_staff

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return request.user.is_staff
        return has_perm(request.user, Perm.MANAGE_ORGANIZATION, obj.organization)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="logo")
    def logo_preview(self, branding: OrganizationBranding) -> str:
        url = logo_path_url(branding.logo_path)
        return format_html('<img src="{}" alt="" width="64" height="64">', url) if url else "-"

    def save_model(self, request, obj, form, change) -> None:
        organization = obj.organization
        if not has_perm(request.user, Perm.MANAGE_ORGANIZATION, organization):
            raise PermissionDenied
        actor = Actor.for_user(request.user)
        fields = {name: form.cleaned_data.get(name) for name in services.BRANDING_FIELDS}
        # A refusal (ServiceAdminMixin) rolls the whole save back and shows the form again.
        saved = services.branding_update(actor=actor, organization=organization, fields=fields)
        upload = form.cleaned_data.get("logo")
        if upload is not None:
            saved = services.branding_logo_set(
                actor=actor, organization=organization, data=upload.read()
            )
        elif form.cleaned_data.get("remove_logo"):
            saved = services.branding_logo_remove(actor=actor, organization=organization)
        obj.pk, obj._state.adding = saved.pk, saved._state.adding
        obj.refresh_from_db() if saved.pk else None


def _publish_action(channel: str):
    def publish(modeladmin, request, queryset):
        actor = Actor.for_user(request.user)
        templates = queryset.select_related("project")
        serving = {
            row.project_id: row.active_template
            for row in DistributionChannel.objects.filter(
                project__in={template.project_id for template in templates}, channel=channel
            ).select_related("active_template")
        }

        def consequences(template) -> list[str]:
            current = serving.get(template.project_id)
            if services.needs_approval(template.project, channel):
                return [
                    f"The organization requires four eyes: this requests approval; {channel} "
                    "changes only when another Project Manager or admin approves it "
                    "(Deploy requests)."
                ]
            if current is None:
                return [f"{channel} starts serving \u201c{template}\u201d."]
            if current.pk == template.pk:
                return [f"{channel} already serves it: it is published again."]
            lines = [f"{channel} stops serving \u201c{current}\u201d and serves this one instead."]
            if channel == "PROD":
                lines.append(f"\u201c{current}\u201d leaves Production and becomes Previous.")
            return lines

        return confirm_then_run(
            modeladmin,
            request,
            templates,
            action=f"publish_to_{channel.lower()}",
            title=f"Publish to {channel}?",
            question=f"Publish the selected templates to {channel}?",
            general=(
                ["The template becomes Production: what integrations and public links play."]
                if channel == "PROD"
                else []
            ),
            button=f"Yes, publish to {channel}",
            verb=f"Published {{}} to {channel}",
            act=lambda template: services.channel_publish_or_request(
                actor=actor, project=template.project, channel=channel, template_id=template.pk
            ),
            consequences=consequences,
            report=lambda results: [
                _published_or_requested(obj, result, channel) for obj, result in results
            ],
        )

    publish.__name__ = f"publish_to_{channel.lower()}"
    publish.short_description = f"Publish to {channel}…"
    return publish


def _published_or_requested(template, result, channel: str) -> str:
    """What publishing did to this template: it is live, or its approval is pending."""
    if isinstance(result, DeployRequest):
        return (
            f"Requested approval to publish \u201c{template}\u201d to {channel} (four eyes): "
            "pending until another Project Manager or admin approves it in Deploy requests."
        )
    return f"Published \u201c{template}\u201d to {channel}: {channel} serves it now."


def _served(project: Project) -> list[tuple[str, str]]:
    """What each channel of the project serves now, DEV first (for confirmation pages)."""
    rows = DistributionChannel.objects.filter(
        project=project, active_template__isnull=False
    ).select_related("active_template")
    ordered = sorted(rows, key=lambda row: CHANNEL_ORDER.index(row.channel))
    return [(row.channel, str(row.active_template)) for row in ordered]


def _extend_registered_admins() -> None:
    if _served not in projects_admin.served_by:
        projects_admin.served_by.append(_served)
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
        publish = dict.fromkeys(
            (f"publish_to_{channel.lower()}" for channel in CHANNEL_ORDER), Perm.PUBLISH_CHANNELS
        )
        template_admin.action_perms = {**template_admin.action_perms, **publish}
    except NotRegistered:
        pass


_extend_registered_admins()


DEPLOY_STATUS_COLOURS = {
    DeployStatus.PENDING: "#b45309",
    DeployStatus.APPROVED: "#15803d",
    DeployStatus.REJECTED: "#b91c1c",
    DeployStatus.EXPIRED: display.GREY,
}


@admin.register(DeployRequest)
class DeployRequestAdmin(ProjectAccessAdmin, AuditHistoryMixin, admin.ModelAdmin):
    """Four-eyes PROD deploys: pending ones first, approved or rejected through the same
    services as the API (another ProjectManager+ than the requester)."""

    action_perms = {"approve": Perm.PUBLISH_CHANNELS, "reject": Perm.PUBLISH_CHANNELS}
    # Only PROD deploys need approval, so the channel is on the change page, not a column.
    list_display = [
        "project",
        "template",
        "status_badge",
        "requested_by_name",
        "requested_at",
        "decision",
    ]
    list_filter = ["status"]
    search_fields = [
        "project__name",
        "template__name",
        "requested_by__email",
        "requested_by__display_name",
    ]
    list_select_related = ["project", "template", "requested_by", "decided_by"]
    fields = [
        "project",
        "channel",
        "template",
        "status_badge",
        "requested_by_name",
        "created_at",
        "expires_at",
        "decided_by_name",
        "decided_at",
        "reason",
    ]
    readonly_fields = fields
    actions = ["approve", "reject"]

    requested_by_name = display.person_column("requested_by", "requested by")
    decided_by_name = display.person_column("decided_by", "decided by")

    @admin.display(description="status", ordering="status")
    def status_badge(self, deploy: DeployRequest) -> str:
        return display.badge(deploy.status, DEPLOY_STATUS_COLOURS.get(deploy.status, display.GREY))

    @admin.display(description="requested", ordering="created_at")
    def requested_at(self, deploy: DeployRequest) -> str:
        return display.short_datetime(deploy.created_at)

    @admin.display(description="decision")
    def decision(self, deploy: DeployRequest) -> str:
        """Who decided and when; for a pending request, when it expires."""
        if deploy.status == DeployStatus.PENDING:
            return format_html("expires {}", display.short_datetime(deploy.expires_at))
        if deploy.decided_by_id is None:
            return display.short_datetime(deploy.decided_at)
        return format_html(
            "{} · {}", display.person(deploy.decided_by), display.short_datetime(deploy.decided_at)
        )

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("status", "-created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _refusal(self, request, deploy: DeployRequest) -> str | None:
        if deploy.status != DeployStatus.PENDING:
            return f"it is already {deploy.status.lower()}."
        if deploy.is_expired:
            return "it has expired."
        if deploy.requested_by_id == request.user.pk:
            return "you requested it: another person must decide."
        if not access_allows(request.user, Perm.PUBLISH_CHANNELS, deploy.project):
            return "deciding needs ProjectManager or more on the project."
        return None

    def _decide(self, request, queryset, *, approve: bool):
        actor = Actor.for_user(request.user)
        word = "approve" if approve else "reject"

        def act(deploy: DeployRequest):
            reason = self._refusal(request, deploy)
            if reason is not None:
                raise Forbidden(reason)
            if approve:
                return services.deploy_request_approve(actor=actor, request=deploy)
            return services.deploy_request_reject(actor=actor, request=deploy)

        return confirm_then_run(
            self,
            request,
            queryset.select_related("project", "template", "requested_by"),
            action=word,
            title=f"{word.capitalize()} deploy requests?",
            question=f"{word.capitalize()} the selected PROD deploy requests?",
            general=(
                ["Each template is published to PROD now and becomes Production."]
                if approve
                else ["Nothing is published; the requester may ask again."]
            ),
            button=f"Yes, {word}",
            verb="Approved" if approve else "Rejected",
            act=act,
            consequences=lambda deploy: [
                f"\u201c{deploy.template}\u201d on PROD of {deploy.project}, requested by "
                f"{deploy.requested_by.get_full_name() if deploy.requested_by else 'the system'}."
            ],
            refusal=lambda deploy: self._refusal(request, deploy),
        )

    @admin.action(description="Approve and publish to PROD…")
    def approve(self, request, queryset):
        return self._decide(request, queryset, approve=True)

    @admin.action(description="Reject…")
    def reject(self, request, queryset):
        return self._decide(request, queryset, approve=False)


# The index dashboard ------------------------------------------------------------------------

DASHBOARD_ROWS = 8


def _visible_projects(request):
    return Project.objects.restrict(request.user, Perm.VIEW).filter(trashed_at__isnull=True)


@dashboard.register
def what_channels_serve(request):
    """The user's projects with something published, most recently published first, each
    with what DEV, STAGING and PROD serve now (two queries)."""
    if not request.user.is_authenticated:
        return None
    recent = (
        DistributionChannel.objects.filter(
            project__in=_visible_projects(request), active_template__isnull=False
        )
        .order_by("-published_at")
        .values_list("project_id", flat=True)
    )
    project_ids = list(dict.fromkeys(recent[: DASHBOARD_ROWS * 3]))[:DASHBOARD_ROWS]
    if not project_ids:
        return "What each channel serves", mark_safe("<p>Nothing is published yet.</p>")
    rows = DistributionChannel.objects.filter(project_id__in=project_ids).select_related(
        "project", "active_template"
    )
    serving: dict = {}
    for row in rows:
        serving.setdefault(row.project_id, {"project": row.project})[row.channel] = row
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                display.link(serving[pk]["project"]),
                *(
                    served_template(serving[pk][name]) if name in serving[pk] else "—"
                    for name in display.CHANNELS_IN_ORDER
                ),
            )
            for pk in project_ids
            if pk in serving
        ),
    )
    return "What each channel serves", format_html(
        "<table><thead><tr><th>project</th><th>DEV</th><th>STAGING</th><th>PROD</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        body,
    )


@dashboard.register
def recent_publishes(request):
    if not request.user.is_authenticated:
        return None
    rows = (
        DistributionChannel.objects.filter(
            project__in=_visible_projects(request), published_at__isnull=False
        )
        .select_related("project", "active_template", "published_by")
        .order_by("-published_at")[:DASHBOARD_ROWS]
    )
    if not rows:
        return "Recent publishes", mark_safe("<p>None yet.</p>")
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                display.short_datetime(row.published_at),
                row.channel,
                served_template(row),
                display.link(row.project),
            )
            for row in rows
        ),
    )
    return "Recent publishes", format_html(
        "<table><thead><tr><th>when</th><th>channel</th><th>serves</th><th>project</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        body,
    )


@dashboard.register
def last_seven_days(request):
    """Landing-page views and CTA clicks of the user's shares over the last 7 days (UTC),
    from the daily table the minute flush fills."""
    if not request.user.is_authenticated:
        return None
    since = counting.today() - timedelta(days=6)
    totals = ShareDailyCount.objects.filter(
        share__project__in=_visible_projects(request), day__gte=since
    ).aggregate(views=Sum("views"), clicks=Sum("cta_clicks"))
    views, clicks = totals["views"] or 0, totals["clicks"] or 0
    rate = f"{clicks / views:.1%}" if views else "—"
    return "Last 7 days", format_html(
        '<p><span class="dashboard-figure">{}</span> landing-page views</p>'
        '<p><span class="dashboard-figure">{}</span> CTA clicks ({} of views)</p>'
        '<p class="help">Since {} (UTC), all your projects\u2019 public shares.</p>',
        views,
        clicks,
        rate,
        since.isoformat(),
    )


@dashboard.register
def last_thirty_days(request):
    """The daily views and CTA clicks of the user's shares over the last 30 days (UTC), as
    the share and project pages chart them: one query for every project the user may see."""
    if not request.user.is_authenticated:
        return None
    last = counting.today()
    first = last - timedelta(days=series.DEFAULT_DAYS - 1)
    days = series.visible_series(_visible_projects(request), first, last)
    return f"Last {series.DEFAULT_DAYS} days", format_html(
        '{}<p class="help">Landing-page views (bars) and CTA clicks (line) per day (UTC), all '
        "your projects\u2019 public shares; counts arrive within a minute.</p>",
        series.svg_chart(days, width=560, height=160, title="Your landing pages"),
    )
