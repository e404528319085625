"""What templates add to projects (through ``projects.signals``): the ``templates`` section of
the project detail, and the guard that refuses deleting a project with a Production template."""

from .api.serializers import TemplateSummarySerializer
from .constants import Status
from .models import Template


def templates_section(project, request) -> list[dict]:
    """The project's templates, newest first, in one query."""
    templates = Template.objects.filter(project=project)
    return TemplateSummarySerializer(templates, many=True).data


def production_template_guard(project) -> str | None:
    if Template.objects.filter(project=project, status=Status.PRODUCTION).exists():
        return "A template of this project is in Production."
    return None
