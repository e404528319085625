"""The indexes the list's filters rely on exist on PostgreSQL (made by raw-SQL migrations)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("project_tags_gin", "USING gin (tags)"), ("project_search_text_trgm", "gin_trgm_ops")],
)
def test_list_filter_index_exists(name, fragment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    assert row is not None
    assert fragment in row[0]
