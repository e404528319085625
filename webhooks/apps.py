from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from backoffice.audit import event_listeners

        from .services import deliveries_for_event

        event_listeners.append(deliveries_for_event)
