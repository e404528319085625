"""Schemathesis with every check and all four phases (examples, coverage, fuzzing, stateful)
against a running server, through its command line and its JSON report. Shared by
``tests/security/test_api_fuzzing.py`` (a small budget, in CI) and ``bench/fuzz_api.py``
(a larger one): the same configuration, only the number of examples differs."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The path parameters that name the caller's organization or a project of it: fixed to real
#: ones, so that generated requests reach validation and the handlers instead of a 404 for an
#: organization that does not exist. Other ids are generated (and come from the links of the
#: stateful phase).
ORGANIZATION_PARAMS = ("organizationId",)
PROJECT_PARAMS = ("projectId",)


#: The operations whose schema-valid requests may be refused with 400 (see ``config_toml``).
STATEFUL_400 = "|".join(
    (
        r"/restore$",
        r"/unassign$",
        r"/assign$",
        r"/thumbnail$",
        r"/branding/logo$",
        r"/templates/upload$",
        r"^/api/tokens$",
        r"^/api/credentials$",
        r"/webhooks(/\{[^}]+\})?$",
        r"/deploy-requests$",
        r"/publish$",
        r"/guests$",
        r"/public-video-shares/\{[^}]+\}$",
        r"/trash$",
        r"^/api/Projects/[^/]+/user-groups/[^/]+$",
        r"/stats$",
    )
)


@dataclass
class Budget:
    max_examples: int  # per operation, in the fuzzing phase (and per step of the stateful one)
    stateful_steps: int  # steps of each stateful scenario
    seed: int = 2026
    deterministic: bool = True  # the same cases every run (CI); False: drawn from ``seed``
    #: The coverage phase (every boundary and every wrong type of every parameter, undeclared
    #: methods, missing headers: thousands of cases) only on the paths this matches; None: all.
    coverage_paths: str | None = None


def config_toml(*, token: str, organization_id: str, project_id: str, budget: Budget) -> str:
    """``schemathesis.toml``: bearer authentication of an OrganizationAdmin, every check, every
    phase; ``Idempotency-Key`` and the forwarded-identity headers are generated like the rest."""
    fixed = {f"path.{name}": organization_id for name in ORGANIZATION_PARAMS}
    fixed |= {f"path.{name}": project_id for name in PROJECT_PARAMS}
    # The cursor is opaque, issued by the server in ``nextCursor``: a generated string is
    # not one (400), so it is sent empty, which is no cursor. The cursor codec is tested by
    # tests/security/test_properties.py.
    fixed["query.cursor"] = ""
    parameters = "\n".join(f'"{key}" = "{value}"' for key, value in fixed.items())
    return f"""\
seed = {budget.seed}

[auth.openapi.bearerAuth]
bearer = "{token}"

[checks]
enabled = true

[generation]
max-examples = {budget.max_examples}
deterministic = {str(budget.deterministic).lower()}
# Text is stored in PostgreSQL: a NUL or a lone surrogate is refused with 400 by design
# (SPEC §16, tests/security/test_unstorable_input.py), so valid strings are UTF-8 text.
allow-x00 = false
codec = "utf-8"

[phases.examples]
enabled = true

[phases.coverage]
enabled = true

[phases.fuzzing]
enabled = true

[phases.stateful]
enabled = true
max-steps = {budget.stateful_steps}

[parameters]
{parameters}

# Refusals no schema can express, where the SPEC asks for 400 on a request whose shape is
# valid: a state (restore what is not in the trash, unassign a project with no parent, delete
# a thumbnail or logo there is none of, invite someone who already has access, share a
# channel that is not published, trash what is in the trash, unlink a group that is not
# linked), a range of dates over 366 days (stats), an id in the body that names nothing in
# the project (a
# parent, a template to publish or deploy), a file's content (the uploads are validated by
# content: PNG, Lottie JSON …), the clock (an expiry in the past) and DNS (a webhook host
# must resolve to an allowed address).
[[operations]]
include-path-regex = '{STATEFUL_400}'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 429]

{_coverage_only(budget.coverage_paths)}
# Revoking tokens would revoke the run's own: every later request would be a 401 and test
# nothing. The revocation is tested in tests/backoffice/test_tokens.py.
[[operations]]
include-path-regex = '^/api/tokens/[^/]+/revoke$'
enabled = false
"""


def _coverage_only(paths: str | None) -> str:
    if paths is None:
        return ""
    return f"""\
# The coverage phase on a sample of operations only (the budget of CI).
[[operations]]
exclude-path-regex = '{paths}'
phases.coverage.enabled = false
"""


def run(
    base_url: str,
    *,
    token: str,
    organization_id: str,
    project_id: str,
    budget: Budget,
    workdir: Path,
    timeout: float,
) -> dict:
    """Run ``st run`` on ``base_url``'s schema; return its JSON report (``operations``,
    ``test_cases.generated``, ``failures``, ``errors`` …) with the terminal output under
    ``"output"``."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "schemathesis.toml"
    config.write_text(
        config_toml(
            token=token, organization_id=organization_id, project_id=project_id, budget=budget
        )
    )
    report = workdir / "report.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", f"{base_url}/api/schema", "--url", base_url,
        "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
        "--workers", "1", "--report", "json", "--report-json-path", str(report),
        "--output-truncate", "false",
    ]  # fmt: skip
    finished = subprocess.run(  # our own interpreter, arguments written here
        command,
        cwd=workdir,  # the CLI keeps its cache of crashes in ./.schemathesis
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{finished.stdout}\n{finished.stderr}")
    document = json.loads(report.read_text())
    document["output"] = finished.stdout + finished.stderr
    return document


def findings(document: dict) -> list[str]:
    """Each failure group and error of a report, one line each."""
    lines = [
        f"{group['code']} {group['title']} x{group['count']}: {', '.join(group['operations'])}"
        for group in document.get("failures", [])
    ]
    lines += [f"error: {error['title']} x{error['count']}" for error in document.get("errors", [])]
    return lines
