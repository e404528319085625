from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import TemplateFileDownloadView, TemplateViewSet

router = SimpleRouter(trailing_slash=False)
router.register(r"Projects/(?P<projectId>[^/]+)/templates", TemplateViewSet, basename="template")

urlpatterns = [
    *router.urls,
    path("files/<str:token>", TemplateFileDownloadView.as_view(), name="template-file"),
]
