from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Identity and access"
    default_auto_field = "django.db.models.BigAutoField"
