from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "collaboration"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        from projects.signals import list_annotations

        from .querysets import comment_count

        # ``commentCount`` of the project list and detail, in the page's own SELECT.
        list_annotations["comment_count"] = comment_count
