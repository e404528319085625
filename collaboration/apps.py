from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "collaboration"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        from backoffice.signals import project_invitation_accepted
        from projects.signals import list_annotations, stats_sections

        from .querysets import comment_count, comments_stats
        from .services import guest_grant_on_acceptance

        # ``commentCount`` of the project list and detail, in the page's own SELECT.
        list_annotations["comment_count"] = comment_count
        stats_sections["comments"] = comments_stats
        # A guest invitation accepted (backoffice) gives its project grant here.
        project_invitation_accepted.connect(guest_grant_on_acceptance, dispatch_uid="guest-grant")
