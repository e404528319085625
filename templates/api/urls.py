from django.urls import path
from rest_framework.routers import SimpleRouter

from projects.api.scoped import PROJECT_PREFIX

from .views import TemplateFileDownloadView, TemplateViewSet

router = SimpleRouter(trailing_slash=False)
router.register(f"{PROJECT_PREFIX}/templates", TemplateViewSet, basename="template")

urlpatterns = [
    *router.urls,
    path("files/<str:token>", TemplateFileDownloadView.as_view(), name="template-file"),
]
