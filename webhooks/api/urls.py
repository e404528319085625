from rest_framework.routers import SimpleRouter

from .views import WebhookDeliveryViewSet, WebhookEndpointViewSet

ORGANIZATION = r"Organizations/(?P<organization_pk>[0-9a-f-]{36})"

router = SimpleRouter(trailing_slash=False)
router.register(f"{ORGANIZATION}/webhooks", WebhookEndpointViewSet, basename="webhook")
router.register(
    rf"{ORGANIZATION}/webhooks/(?P<webhook_pk>[0-9a-f-]{{36}})/deliveries",
    WebhookDeliveryViewSet,
    basename="webhook-delivery",
)

urlpatterns = router.urls
