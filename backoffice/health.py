"""Health checks for load balancers and orchestrators."""

from functools import wraps

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .api.errors import RETRY_AFTER_SECONDS, problem_response


def get_only(view):
    """Like ``require_GET``, but a wrong method gets problem details like the rest of the API."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = problem_response(
                405, f"Method {request.method} is not allowed here.", code="method_not_allowed"
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@get_only
def healthz(request):
    """The process is up (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


@never_cache
@get_only
def readyz(request):
    """The process can serve: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        response = problem_response(503, "The database is not reachable.", code="not_ready")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})
