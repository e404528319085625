from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = "API credentials"

    def ready(self) -> None:
        from projects.signals import stats_sections

        from .stats import credentials_stats

        stats_sections["credentials"] = credentials_stats
