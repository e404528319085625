"""Expressions other apps use through registries (``projects.signals.list_annotations``)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Comment


def comment_count():
    """The number of comments of ``OuterRef("pk")`` (a project), as a correlated subquery
    served by the (project, -created_at, -id) index: no GROUP BY on the outer query."""
    counts = (
        Comment.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def comments_stats(project) -> dict:
    """``comments`` of the project stats (one query)."""
    return {"comments": Comment.objects.filter(project=project).count()}
