"""Health checks for load balancers and orchestrators."""

import json
from functools import wraps

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from . import metrics
from .api.errors import RETRY_AFTER_SECONDS, problem_response
from .ratelimit import CACHE_UNAVAILABLE


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


@csrf_exempt  # no cookie is read: a wrong method is a 405 problem, not the CSRF page
@never_cache
@get_only
def healthz(request):
    """The process is up (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        return False
    return True


def _cache_ok() -> bool:
    try:
        caches["default"].get("readyz-probe")
    except CACHE_UNAVAILABLE:
        return False
    return True


@csrf_exempt  # no cookie is read: a wrong method is a 405 problem, not the CSRF page
@never_cache
@get_only
def readyz(request):
    """The process can serve: the database answers, and so does the cache (rate limits; while
    it is down requests are still served, limits unenforced). 503 names what is down."""
    dependencies = {
        "database": "ok" if _database_ok() else "unavailable",
        "cache": "ok" if _cache_ok() else "unavailable",
    }
    counters = metrics.snapshot()
    down = [name for name, state in dependencies.items() if state != "ok"]
    if down:
        names = " and the ".join(down)
        response = problem_response(503, f"The {names} is not reachable.", code="not_ready")
        body = json.loads(response.content) | dependencies | {"metrics": counters}
        response.content = json.dumps(body)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", **dependencies, "metrics": counters})
