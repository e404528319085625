from django.apps import AppConfig


class TemplatesConfig(AppConfig):
    name = "templates"
    label = "video_templates"
    verbose_name = "Video templates"

    def ready(self) -> None:
        from backoffice.demo import demo_parts

        from .demo import load_demo_template

        if load_demo_template not in demo_parts:
            demo_parts.append(load_demo_template)
        from django.db.models.signals import post_delete

        from projects.signals import (
            deletion_guards,
            detail_sections,
            stats_sections,
            stored_files,
            thumbnail_sources,
        )

        from .files import remove_stored_file
        from .models import TemplateFile
        from .sections import (
            production_template_guard,
            template_files_of,
            template_poster,
            templates_section,
            templates_stats,
        )

        # Stored files follow their rows, however the rows go (template or project delete).
        post_delete.connect(
            remove_stored_file, sender=TemplateFile, dispatch_uid="template-file-remove"
        )
        if production_template_guard not in deletion_guards:
            deletion_guards.append(production_template_guard)
        detail_sections["templates"] = templates_section
        stats_sections["templates"] = templates_stats
        thumbnail_sources["template"] = template_poster
        stored_files["templates"] = template_files_of
