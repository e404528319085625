"""What templates add to projects (through ``projects.signals``): the ``templates`` section of
the project detail, and the guard that refuses deleting a project with a Production template."""

from django.core.files.storage import default_storage
from django.db.models import Count, Sum

from backoffice.errors import InvalidRequest
from projects.api.scoped import guest_context

from .api.serializers import TemplateSummarySerializer
from .constants import FileRole, Kind, Status
from .models import Template, TemplateFile


def templates_section(project, request) -> list[dict]:
    """The project's templates, newest first, in one query."""
    templates = Template.objects.filter(project=project)
    context = guest_context(request, project)
    return TemplateSummarySerializer(templates, many=True, context=context).data


def production_template_guard(project) -> str | None:
    if Template.objects.filter(project=project, status=Status.PRODUCTION).exists():
        return "A template of this project is in Production."
    return None


def template_poster(project, template_id):
    """The poster of one of the project's templates, opened for reading (the ``template``
    thumbnail source); 400 when the template is another project's or has no poster."""
    template = Template.objects.filter(pk=template_id, project=project).first()
    if template is None:
        raise InvalidRequest.for_field("templateId", "No template of this project has this id.")
    poster = TemplateFile.objects.filter(template=template, role=FileRole.POSTER).first()
    if poster is None:
        raise InvalidRequest.for_field("templateId", "This template has no poster image.")
    return default_storage.open(poster.file.name, "rb")


def templates_stats(project) -> dict:
    """Templates by status and kind, and the bytes of their files (two queries)."""
    rows = (
        Template.objects.filter(project=project)
        .order_by()
        .values_list("status", "kind")
        .annotate(n=Count("pk"))
    )
    by_status = dict.fromkeys(Status.values, 0)
    by_kind = dict.fromkeys(Kind.values, 0)
    for status, kind, n in rows:
        by_status[status] += n
        by_kind[kind] += n
    total_bytes = TemplateFile.objects.filter(template__project=project).aggregate(
        total=Sum("size")
    )["total"]
    return {
        "templates": {
            "total": sum(by_status.values()),
            "byStatus": by_status,
            "byKind": by_kind,
        },
        "totalFileBytes": total_bytes or 0,
    }


def template_files_of(project_ids) -> list[str]:
    """Storage names of the files of these projects' templates (purge reports them; the
    ``post_delete`` receiver removes them)."""
    return list(
        TemplateFile.objects.filter(template__project_id__in=project_ids).values_list(
            "file", flat=True
        )
    )
