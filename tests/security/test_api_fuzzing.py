"""Schemathesis with every check (``--checks all``: not_a_server_error, the conformance
checks, negative_data_rejection, positive_data_acceptance, missing_required_header,
unsupported_method, use_after_free, ensure_resource_availability, ignored_auth …) and all four
phases, the stateful one included (OpenAPI links between operations), against the app served
by Django's live server, authenticated as the demo organization's OrganizationAdmin: zero
findings (issue 17). A small budget here; ``bench/fuzz_api.py`` runs the same configuration
with many more examples.
"""

import io
import re

import pytest
from django.core.management import call_command

from backoffice.models import Organization
from projects.models import Project
from tests.security.schemathesis_cli import Budget, findings, run

#: Small enough to keep this file well under two minutes on two loaded cores: every operation
#: in the examples, fuzzing and stateful phases, the coverage phase (thousands of cases over
#: all operations, run by the bench) on a sample of read and write operations.
CI_BUDGET = Budget(
    max_examples=2,
    stateful_steps=4,
    coverage_paths=r"^/api/Projects$|^/api/tokens$",
)


@pytest.fixture
def demo(transactional_db, settings):
    """The demo organization (``load_demo_data``) and its OrganizationAdmin's token."""
    settings.AUTH_FAILURE_LIMIT = (10**8, 60)  # ignored_auth sends bad tokens on purpose
    settings.CREDENTIAL_RATE_LIMIT = (10**8, 60)
    settings.PUBLIC_RATE_LIMIT = (10**8, 60)
    out = io.StringIO()
    call_command("load_demo_data", stdout=out, stderr=io.StringIO())
    token = re.search(r"pbt_[0-9A-Za-z]+_[0-9A-Za-z]+", out.getvalue()).group(0)
    organization = Organization.objects.get(slug="banco-andino")
    project = Project.objects.filter(organization=organization).order_by("created_at").first()
    return {"token": token, "organization": str(organization.pk), "project": str(project.pk)}


def test_schemathesis_finds_nothing(demo, live_server, tmp_path):
    report = run(
        live_server.url,
        token=demo["token"],
        organization_id=demo["organization"],
        project_id=demo["project"],
        budget=CI_BUDGET,
        workdir=tmp_path,
        timeout=240,
    )
    summary = {key: report[key] for key in ("operations", "test_cases", "phases")}
    print(summary)  # the figures, shown with -s or on failure
    output = report["output"]
    assert findings(report) == [], output[output.find("FAILURES") : output.find("SUMMARY")]
    assert report["stop_reason"] == "completed"
    assert report["operations"]["tested"] >= 90
    # The examples phase is skipped: the schema has no examples to replay.
    phases = {name: phase["status"] for name, phase in report["phases"].items()}
    assert phases == {
        "examples": "skip",
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }
    # Authenticated: only the operations whose credential is not the bearer token (a signed
    # file link, the embed manifest's API key) answered nothing but 401/403.
    assert set(report["warnings"].get("missing_auth", [])) <= {
        "GET /api/files/{token}",
        "GET /api/thumbnails/{token}",
        "GET /embed/v1/manifest",
    }
