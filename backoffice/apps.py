from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Identity and access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django writes large uploads there and fails (a 500) when the folder is missing.
        if settings.FILE_UPLOAD_TEMP_DIR:
            Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site class (a throttled login); listed in ``INSTALLED_APPS``
    in place of ``django.contrib.admin``."""

    default = False  # never picked for the "backoffice" app itself
    default_site = "backoffice.admin_site.StaffAdminSite"
