from rest_framework.routers import SimpleRouter

from .views import CredentialViewSet

router = SimpleRouter(trailing_slash=False)
router.register("credentials", CredentialViewSet, basename="credential")

urlpatterns = router.urls
