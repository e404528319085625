from rest_framework.routers import SimpleRouter

from .views import DistributionChannelViewSet, PublicVideoShareViewSet

router = SimpleRouter(trailing_slash=False)
router.register(
    r"Projects/(?P<projectId>[^/]+)/distribution-channels",
    DistributionChannelViewSet,
    basename="distribution-channel",
)
router.register(
    r"Projects/(?P<projectId>[^/]+)/public-video-shares",
    PublicVideoShareViewSet,
    basename="public-video-share",
)

urlpatterns = router.urls
