"""``?search=`` finds the same projects as a substring test of each searched field, through
one trigram index on PostgreSQL (migration 0007; issue 20)."""

import pytest
from django.db import connection, transaction
from django.db.models import Q

from projects.models import Project
from projects.querysets import SEARCH_SEPARATOR
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(org):
    return [
        make_project(org, name="Renewal Mortgage Gold", job_code="JC-100"),
        make_project(org, name="Zeta Q", description="Tarjeta de crédito 100%"),
        make_project(org, name="Straße Card", description="under_score"),
        make_project(org, name="Plain", job_code="MORT-7", description="line one\nline two"),
    ]


def by_each_field(text: str) -> set:
    """The rule, written out: a substring of one field, whatever the case."""
    fields = ("name", "slug", "job_code", "description")
    rule = Q()
    for field in fields:
        rule |= Q(**{f"{field}__icontains": text})
    return set(Project.objects.filter(rule).values_list("pk", flat=True))


@pytest.mark.parametrize(
    "text",
    [
        "mortgage",
        "MORT",
        "zeta-q",  # the slug
        "jc-1",  # the job code
        "100%",  # a LIKE wildcard, taken literally
        "r_s",  # another
        "under_score",
        "straße",
        "qzeta",  # the end of the name and the start of the slug: no field holds it
        "qjc",
        "one\nline",
        f"q{SEARCH_SEPARATOR}zeta",  # the separator itself: answered without the index
        "",
    ],
)
def test_search_finds_what_each_field_holds(projects, text):
    found = set(Project.objects.search(text).values_list("pk", flat=True))

    assert found == by_each_field(text)


def test_a_text_that_spans_two_fields_matches_nothing(projects):
    assert not Project.objects.search("goldrenewal").exists()
    assert not Project.objects.search("qzeta").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_search_is_one_scan_of_the_trigram_index(projects):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table is otherwise read
        plan = Project.objects.search("mortgage").order_by().explain()

    assert "project_search_text_trgm" in plan
    assert "BitmapOr" not in plan


def test_the_api_search_finds_a_field_s_substring(projects, users, client_for):
    response = client_for(users["OrganizationAdmin"]).get("/api/Projects?search=gold")

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["items"]] == ["Renewal Mortgage Gold"]
