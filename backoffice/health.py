"""Health checks for load balancers and orchestrators."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .api.errors import problem_response


@never_cache
@require_GET
def healthz(request):
    """The process is up (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """The process can serve: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        return problem_response(503, "The database is not reachable.", code="not_ready")
    return JsonResponse({"status": "ok", "database": "ok"})
