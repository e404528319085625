"""Request-level guards that run before any view reads the body."""

from django.conf import settings

from .api.errors import problem_response
from .unstorable import unstorable


class RequestSizeLimitMiddleware:
    """Refuse a body whose declared length is over the limit with 413, before it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH", "")
        if declared.isdigit() and int(declared) > settings.MAX_REQUEST_BODY_BYTES:
            return problem_response(
                413,
                f"Request bodies are limited to {settings.MAX_REQUEST_BODY_BYTES} bytes.",
            )
        return self.get_response(request)


class DefaultContentSecurityPolicyMiddleware:
    """Give every response that has no ``Content-Security-Policy`` of its own the default
    one (``CONTENT_SECURITY_POLICY``): the admin, Swagger UI, the browsable API and error
    pages. Views with a stricter policy (the public pages) keep theirs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response


class UnstorableInputMiddleware:
    """Refuse NUL bytes and lone surrogates before any view sees them: in the path a 404
    (no object can have such a name), in the query string, a cookie or a header a 400.
    Bodies are checked where they are parsed (``backoffice/api/parsers.py``,
    ``backoffice/api/multipart.py``; Django's forms refuse NUL themselves)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import pages  # the error pages render through the URL configuration

        if unstorable(request.path_info):
            return pages.page_not_found(request)
        for key, values in request.GET.lists():
            if unstorable(key) or any(unstorable(value) for value in values):
                return self._bad_request(request, f"The query parameter {key!r}")
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and unstorable(value):
                return self._bad_request(request, "A header")
        for key, value in request.COOKIES.items():
            if unstorable(key) or unstorable(value):
                return self._bad_request(request, "A cookie")
        return self.get_response(request)

    @staticmethod
    def _bad_request(request, where: str):
        from . import pages

        return pages.error_response(
            request, 400, f"{where} contains a NUL byte or an unpaired surrogate."
        )


class MethodNotAllowedFirstMiddleware:
    """An API view answers 405 (with ``Allow``) to a method it doesn't have before anything
    else: authentication, path parameters and object lookups run in DRF's ``initial()``,
    before the method is looked at, so ``TRACE`` on a path with a malformed id was a 400 and
    anonymously a 401 (schemathesis: "wrong response to undeclared method")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        actions = getattr(view_func, "actions", None)
        view_class = getattr(view_func, "cls", None)
        if actions is not None:
            allowed = {method.upper() for method in actions}
        elif view_class is not None:
            allowed = {
                method.upper()
                for method in view_class.http_method_names
                if hasattr(view_class, method)
            }
        else:
            return None
        if "GET" in allowed:
            allowed.add("HEAD")
        allowed.add("OPTIONS")
        if request.method in allowed:
            return None
        response = problem_response(
            405, f'Method "{request.method}" not allowed.', code="method_not_allowed"
        )
        response["Allow"] = ", ".join(sorted(allowed))
        return response
