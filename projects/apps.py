from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from backoffice.demo import demo_parts

        from .demo import load_demo_projects

        if load_demo_projects not in demo_parts:
            demo_parts.append(load_demo_projects)
