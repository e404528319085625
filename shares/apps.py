from django.apps import AppConfig


class SharesConfig(AppConfig):
    name = "shares"
    verbose_name = "Distribution channels and public shares"

    def ready(self) -> None:
        from backoffice.demo import demo_parts

        from .demo import load_demo_channels

        if load_demo_channels not in demo_parts:
            demo_parts.append(load_demo_channels)
        from django.db.models.signals import post_save

        from projects.models import Project
        from projects.signals import detail_sections, project_archived
        from templates.signals import in_use_checks

        from .sections import channels_section, shares_section
        from .signals import create_channels, template_on_channel, unpublish_on_archive

        post_save.connect(create_channels, sender=Project, dispatch_uid="shares-create-channels")
        project_archived.connect(unpublish_on_archive, dispatch_uid="shares-unpublish-on-archive")
        if template_on_channel not in in_use_checks:
            in_use_checks.append(template_on_channel)
        detail_sections["distributionChannels"] = channels_section
        detail_sections["publicVideoShares"] = shares_section

        from projects.signals import stats_sections

        from .stats import shares_stats

        stats_sections["shares"] = shares_stats

        from projects.signals import stats_query_sections

        from .series import stats_daily

        stats_query_sections["sharesDaily"] = stats_daily

        self._invalidate_public_rows_on_change()

    @staticmethod
    def _invalidate_public_rows_on_change() -> None:
        """Every committed change to what a public page shows makes its cached row stale
        (``shares.public_cache``): every audit event, and every save or delete of the models
        the pages read."""
        from django.db.models.signals import post_delete, post_save

        from backoffice.models import AuditEvent, Organization
        from credentials.models import ApiCredential
        from projects.models import Project
        from templates.models import Template, TemplateFile

        from .models import DistributionChannel, OrganizationBranding, PublicVideoShare
        from .public_cache import on_model_change

        post_save.connect(on_model_change, sender=AuditEvent, dispatch_uid="public-cache-event")
        parents = (Organization, Project, Template, DistributionChannel, PublicVideoShare)
        for model in (*parents, ApiCredential, TemplateFile, OrganizationBranding):
            post_save.connect(
                on_model_change, sender=model, dispatch_uid=f"public-cache-save-{model._meta.label}"
            )
        # Not on template files: a receiver would make every cascade fetch them before
        # deleting (no fast delete); a template's deletion covers its files.
        for model in (*parents, ApiCredential):
            post_delete.connect(
                on_model_change,
                sender=model,
                dispatch_uid=f"public-cache-delete-{model._meta.label}",
            )
