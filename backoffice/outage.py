"""A database outage answers 503 with ``Retry-After`` on every path, never a 500 page.

The API's exception handler covers DRF views; this middleware covers the other views (public
pages, the invitation page, the admin). Django reconnects on the next request by itself, so
the same process serves again as soon as the database is back.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .api.errors import DATABASE_UNAVAILABLE, log_database_unavailable
from .pages import service_unavailable


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        log_database_unavailable(request, exception)
        return service_unavailable(request)
