"""Reads of templates, with what their representations need already loaded."""

from django.db.models import Prefetch, QuerySet

from projects.models import Project

from .models import Template, TemplateFile


def templates_of(project: Project) -> QuerySet[Template]:
    files = TemplateFile.objects.order_by("role", "original_name", "id")
    return (
        Template.objects.filter(project=project)
        .select_related("created_by")
        .prefetch_related(Prefetch("files", queryset=files))
    )
