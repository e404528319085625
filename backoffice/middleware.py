"""Request-level guards that run before any view reads the body."""

from django.conf import settings

from .api.errors import problem_response


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
