from rest_framework.routers import SimpleRouter

from backoffice.api.paths import ORGANIZATION_PREFIX as ORGANIZATION
from backoffice.api.paths import uuid_kwarg

from .views import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=False)
router.register(f"{ORGANIZATION}/webhooks", WebhookEndpointViewSet, basename="webhook")
router.register(
    f"{ORGANIZATION}/webhooks/{uuid_kwarg('webhookId')}/deliveries",
    WebhookDeliveryViewSet,
    basename="webhook-delivery",
)

urlpatterns = router.urls
