from django.apps import AppConfig


class TemplatesConfig(AppConfig):
    name = "templates"
    label = "video_templates"
    verbose_name = "Video templates"
