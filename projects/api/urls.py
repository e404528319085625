from django.urls import path
from rest_framework.routers import SimpleRouter

from .thumbnail_files import ThumbnailFileView
from .views import ProjectViewSet

router = SimpleRouter(trailing_slash=False)
router.register("Projects", ProjectViewSet, basename="project")

urlpatterns = [
    *router.urls,
    path("thumbnails/<str:token>", ThumbnailFileView.as_view(), name="project-thumbnail"),
]
