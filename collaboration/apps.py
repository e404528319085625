from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "collaboration"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        from projects.signals import list_annotations, stats_sections

        from .querysets import comment_count, comments_stats

        # ``commentCount`` of the project list and detail, in the page's own SELECT.
        list_annotations["comment_count"] = comment_count
        stats_sections["comments"] = comments_stats
