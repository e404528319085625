"""Staff admin of webhooks: endpoints with their status (failing ones stand out) and the
delivery log, with redelivery through the same service as the API. Endpoints are created
through the API, which shows the signing secret once; the admin never shows a secret."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from backoffice.actors import Actor
from backoffice.admin_actions import run_service
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyAdmin
from backoffice.admin_scoping import OrganizationManagedAdmin

from . import services
from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrganizationManagedAdmin, AuditHistoryMixin, ReadOnlyAdmin):
    list_display = ["url", "organization", "status", "failing_since", "enabled", "created_at"]
    list_filter = ["status", "enabled"]
    search_fields = ["url", "description", "organization__name"]
    list_select_related = ["organization"]
    fields = [
        "organization",
        "url",
        "description",
        "events",
        "enabled",
        "status",
        "failing_since",
        "secret_hint",
        "created_by",
        "created_at",
        "updated_at",
        "delivery_log",
    ]
    readonly_fields = fields

    @admin.display(description="delivery log")
    def delivery_log(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">Deliveries</a>', url, endpoint.pk)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OrganizationManagedAdmin, ReadOnlyAdmin):
    organization_path = "endpoint__organization"
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "error",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["endpoint__url", "event_type", "message_id"]
    list_select_related = ["endpoint"]
    fields = [
        "endpoint",
        "event_type",
        "message_id",
        "status",
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
        "requested_by",
    ]
    readonly_fields = fields
    actions = ["redeliver"]

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
