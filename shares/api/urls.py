from django.urls import re_path
from rest_framework.routers import SimpleRouter

from .branding import BrandingViewSet
from .views import DeployRequestViewSet, DistributionChannelViewSet, PublicVideoShareViewSet

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
router.register(
    r"Projects/(?P<projectId>[^/]+)/deploy-requests",
    DeployRequestViewSet,
    basename="deploy-request",
)

ORGANIZATION = r"Organizations/(?P<organization_pk>[0-9a-f-]{36})"

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
