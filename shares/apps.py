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
