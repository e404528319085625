"""What credentials adds to ``GET /api/Projects/{id}/stats`` (one query)."""

from .models import ApiCredential


def credentials_stats(project) -> dict:
    """Credentials that authenticate now: not revoked, not expired (of a live project)."""
    return {"credentialsActive": ApiCredential.objects.filter(project=project).usable().count()}
