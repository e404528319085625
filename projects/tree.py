"""The project hierarchy: walking down (descendants) and up (ancestors) the ``parent`` links.

On PostgreSQL each walk is one recursive CTE, whatever the depth. Elsewhere (the embedded
SQLite of development) it is one query per level, on the level's ids only — never a query per
row.
"""

from uuid import UUID

from django.db import connection

from .models import Project

#: A hierarchy deeper than this is refused (and bounds the per-level fallback).
MAX_DEPTH = 100


def _table() -> str:
    return connection.ops.quote_name(Project._meta.db_table)


def descendant_ids(root: Project, *, live_only: bool = True) -> list[UUID]:
    """Ids of every project below ``root`` (not ``root`` itself). ``live_only`` stops at
    projects already in the trash: they belong to the batch that trashed them."""
    if connection.vendor == "postgresql":
        live = "AND p.trashed_at IS NULL" if live_only else ""
        sql = f"""
            WITH RECURSIVE tree(id, depth) AS (
                SELECT p.id, 1 FROM {_table()} p WHERE p.parent_id = %s {live}
                UNION ALL
                SELECT p.id, t.depth + 1 FROM {_table()} p JOIN tree t ON p.parent_id = t.id
                WHERE t.depth < %s {live}
            )
            SELECT id FROM tree
        """  # noqa: S608 - only the model's own table name and fixed text are interpolated
        with connection.cursor() as cursor:
            cursor.execute(sql, [root.pk, MAX_DEPTH])
            return [row[0] for row in cursor.fetchall()]
    found: list[UUID] = []
    level = [root.pk]
    for _ in range(MAX_DEPTH):
        children = Project.objects.filter(parent_id__in=level)
        if live_only:
            children = children.live()
        level = list(children.values_list("pk", flat=True))
        if not level:
            break
        found.extend(level)
    return found


def ancestor_ids(project: Project) -> list[UUID]:
    """Ids of the parent chain of ``project``, nearest first (not ``project`` itself)."""
    if project.parent_id is None:
        return []
    if connection.vendor == "postgresql":
        sql = f"""
            WITH RECURSIVE chain(id, parent_id, depth) AS (
                SELECT p.id, p.parent_id, 1 FROM {_table()} p WHERE p.id = %s
                UNION ALL
                SELECT p.id, p.parent_id, c.depth + 1 FROM {_table()} p
                JOIN chain c ON p.id = c.parent_id WHERE c.depth < %s
            )
            SELECT id FROM chain ORDER BY depth
        """  # noqa: S608 - only the model's own table name is interpolated
        with connection.cursor() as cursor:
            cursor.execute(sql, [project.parent_id, MAX_DEPTH])
            return [row[0] for row in cursor.fetchall()]
    chain: list[UUID] = []
    current = project.parent_id
    for _ in range(MAX_DEPTH):  # one query per level, on the parent chain only
        if current is None or current in chain:
            break
        chain.append(current)
        current = Project.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return chain
