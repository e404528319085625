"""Staff admin of webhooks: endpoints with their status (failing ones stand out) and the
delivery log, with redelivery through the same service as the API. Endpoints are created
through the API, which shows the signing secret once; the admin never shows a secret."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.admin_actions import run_service
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyAdmin
from backoffice.admin_scoping import OrganizationManagedAdmin

from . import services
from .constants import EVENT_NAMES, DeliveryStatus, EndpointStatus
from .models import WebhookDelivery, WebhookEndpoint

ENDPOINT_COLOURS = {EndpointStatus.ACTIVE: "#15803d", EndpointStatus.FAILING: "#b91c1c"}
DELIVERY_COLOURS = {
    DeliveryStatus.PENDING: "#b45309",
    DeliveryStatus.SUCCEEDED: "#15803d",
    DeliveryStatus.FAILED: "#b91c1c",
}


def event_chips(events: list[str]) -> str:
    """The subscribed events as chips, in the order the API lists them."""
    known = [name for name in EVENT_NAMES if name in events]
    return display.chips(known + [name for name in events if name not in known])


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrganizationManagedAdmin, AuditHistoryMixin, ReadOnlyAdmin):
    list_display = [
        "endpoint_url",
        "organization",
        "status_badge",
        "failing_since",
        "enabled",
        "created_at",
    ]
    list_filter = ["status", "enabled"]
    search_fields = ["url", "description", "organization__name"]
    list_select_related = ["organization"]
    fields = [
        "organization",
        "full_url",
        "description",
        "subscribed_events",
        "enabled",
        "status_badge",
        "failing_since",
        "secret_hint",
        "created_by_name",
        "created_at",
        "updated_at",
        "delivery_log",
    ]
    readonly_fields = fields

    created_by_name = display.person_column("created_by", "created by")

    @admin.display(description="URL", ordering="url")
    def endpoint_url(self, endpoint: WebhookEndpoint) -> str:
        return display.truncated(endpoint.url)

    @admin.display(description="URL")
    def full_url(self, endpoint: WebhookEndpoint) -> str:
        return format_html("<code>{}</code>", endpoint.url)

    @admin.display(description="events")
    def subscribed_events(self, endpoint: WebhookEndpoint) -> str:
        return event_chips(endpoint.events or [])

    @admin.display(description="status", ordering="status")
    def status_badge(self, endpoint: WebhookEndpoint) -> str:
        return display.badge(endpoint.status, ENDPOINT_COLOURS.get(endpoint.status, display.GREY))

    @admin.display(description="delivery log")
    def delivery_log(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">Deliveries</a>', url, endpoint.pk)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OrganizationManagedAdmin, ReadOnlyAdmin):
    organization_path = "endpoint__organization"
    list_display = [
        "created",
        "event_type",
        "endpoint_url",
        "status_badge",
        "attempts_and_answer",
        "error_excerpt",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["endpoint__url", "event_type", "message_id"]
    list_select_related = ["endpoint"]
    fields = [
        "endpoint",
        "event_type",
        "message_id",
        "status_badge",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "completed_at",
        "response_status",
        "duration_ms",
        "error",
        "response_excerpt",
        "body",
        "redelivery_of",
        "requested_by_name",
    ]
    readonly_fields = fields
    actions = ["redeliver"]

    requested_by_name = display.person_column("requested_by", "requested by")

    @admin.display(description="created", ordering="created_at")
    def created(self, delivery: WebhookDelivery) -> str:
        return display.short_datetime(delivery.created_at)

    @admin.display(description="endpoint", ordering="endpoint__url")
    def endpoint_url(self, delivery: WebhookDelivery) -> str:
        return display.truncated(delivery.endpoint.url, narrow=True)

    @admin.display(description="status", ordering="status")
    def status_badge(self, delivery: WebhookDelivery) -> str:
        return display.badge(delivery.status, DELIVERY_COLOURS.get(delivery.status, display.GREY))

    @admin.display(description="attempts", ordering="attempts")
    def attempts_and_answer(self, delivery: WebhookDelivery) -> str:
        """How many attempts, and how the last one went: "2 attempts · 500 · 120 ms"."""
        count = delivery.attempts
        parts = [f"{count} attempt{'' if count == 1 else 's'}"]
        if delivery.response_status:
            parts.append(str(delivery.response_status))
        if delivery.duration_ms is not None:
            parts.append(f"{delivery.duration_ms} ms")
        return format_html_join(
            " · ", '<span class="nowrap">{}</span>', ((part,) for part in parts)
        )

    @admin.display(description="error")
    def error_excerpt(self, delivery: WebhookDelivery) -> str:
        return display.truncated(delivery.error, narrow=True) if delivery.error else "—"

    @admin.action(description="Redeliver selected deliveries")
    def redeliver(self, request, queryset):
        actor = Actor.for_user(request.user)
        run_service(
            self,
            request,
            queryset.select_related("endpoint"),
            lambda delivery: services.delivery_redeliver(actor=actor, delivery=delivery),
            verb="Redelivered",
        )
