from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Identity and access"
    default_auto_field = "django.db.models.BigAutoField"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site class (a throttled login); listed in ``INSTALLED_APPS``
    in place of ``django.contrib.admin``."""

    default = False  # never picked for the "backoffice" app itself
    default_site = "backoffice.admin_site.StaffAdminSite"
