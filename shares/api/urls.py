from rest_framework.routers import SimpleRouter

from .views import DistributionChannelViewSet

router = SimpleRouter(trailing_slash=False)
router.register(
    r"Projects/(?P<projectId>[^/]+)/distribution-channels",
    DistributionChannelViewSet,
    basename="distribution-channel",
)

urlpatterns = router.urls
