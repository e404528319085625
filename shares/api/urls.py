from django.urls import re_path
from rest_framework.routers import SimpleRouter

from backoffice.api.paths import ORGANIZATION_PREFIX as ORGANIZATION
from projects.api.scoped import PROJECT_PREFIX as PROJECT

from .branding import BrandingViewSet
from .views import DeployRequestViewSet, DistributionChannelViewSet, PublicVideoShareViewSet

router = SimpleRouter(trailing_slash=False)
router.register(
    f"{PROJECT}/distribution-channels",
    DistributionChannelViewSet,
    basename="distribution-channel",
)
router.register(
    f"{PROJECT}/public-video-shares",
    PublicVideoShareViewSet,
    basename="public-video-share",
)
router.register(
    f"{PROJECT}/deploy-requests",
    DeployRequestViewSet,
    basename="deploy-request",
)

urlpatterns = [
    *router.urls,
    re_path(
        rf"^{ORGANIZATION}/branding$",
        BrandingViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="organization-branding",
    ),
    re_path(
        rf"^{ORGANIZATION}/branding/logo$",
        BrandingViewSet.as_view({"put": "logo_set", "delete": "logo_remove"}),
        name="organization-branding-logo",
    ),
]
