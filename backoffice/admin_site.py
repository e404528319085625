"""The staff admin site: Django's, with a login that throttles password guessing.

Failed logins count per client address and per submitted e-mail (``ADMIN_LOGIN_FAILURE_LIMIT``);
once either budget is spent the login page answers 429 with ``Retry-After`` and does not even
check the password, so a guesser learns nothing more until the window is over.
"""

import hashlib
import math

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from .ratelimit import Limit, client_ident


def admin_login_limits(request: HttpRequest, email: str | None) -> list[tuple[Limit, str]]:
    """The (limit, identity) pairs one login attempt counts against."""
    count, window = settings.ADMIN_LOGIN_FAILURE_LIMIT
    limits = [(Limit("admin-login-client", count, window), client_ident(request))]
    if email:
        # Hashed: no address in cache keys, and any input makes a valid key.
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        limits.append((Limit("admin-login-email", count, window), digest))
    return limits


class ThrottledLoginForm(AdminAuthenticationForm):
    """``retry_after`` is set (seconds) when the attempt was refused unchecked."""

    retry_after: int | None = None

    def clean(self):
        limits = admin_login_limits(self.request, self.cleaned_data.get("username"))
        spent = [limit.window_seconds for limit, ident in limits if limit.spent(ident)]
        if spent:
            self.retry_after = max(spent)
            minutes = math.ceil(self.retry_after / 60)
            raise ValidationError(
                "Too many failed logins from this address or for this e-mail. "
                f"Please try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            for limit, ident in limits:
                limit.hit(ident)
            raise


class StaffAdminSite(admin.AdminSite):
    login_form = ThrottledLoginForm

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        retry_after = getattr(form, "retry_after", None)
        if retry_after:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response
