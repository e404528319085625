"""The staff admin site: Django's, with a login that throttles password guessing.

Failed logins count three ways (``ADMIN_LOGIN_FAILURE_LIMIT``, ``ADMIN_LOGIN_ACCOUNT_CEILING``):

- per client address, across e-mails (one address spraying many accounts);
- per (client address, e-mail) pair: this is the lock. It shuts out the address that guessed,
  not the account, so nobody can lock the Owner out by failing on purpose: the Owner logging
  in from an address with no failures for that account is let in;
- per e-mail from all addresses together, a ceiling that slows rather than blocks: past it,
  each address gets a single try for that account per window (its first failure locks its
  pair), so a guesser spread over many addresses is slowed to one guess per address per
  15 minutes while an address that has not failed still logs in.

A refused attempt is a 429 with ``Retry-After`` and the password is not even checked, so a
guesser learns nothing more until the window is over. The client address is the one
``TRUSTED_PROXIES`` allows (``backoffice/proxies.py``): a forged ``X-Forwarded-For`` neither
escapes the per-address limits nor locks another address out.

django-axes was considered: it locks by username, address or their combination, but each
of those is a block (its lock by username is exactly the lock-out of the Owner we must
avoid), it keeps attempts in database tables written on every failure, and it resolves the
client address through django-ipware's settings of its own, a second, diverging answer to
"who is the client" beside ``TRUSTED_PROXIES``. The counters here are the rate-limit ones
(``backoffice/ratelimit.py``), in the shared cache, and need no table.
"""

import hashlib
import math

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from .admin_display import person_label
from .ratelimit import Limit, client_ident


def _email_digest(email: str) -> str:
    # Hashed: no address in cache keys, and any input makes a valid key.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def login_refused(request: HttpRequest, email: str | None) -> int | None:
    """Seconds to wait when this login attempt must be refused unchecked, else None."""
    count, window = settings.ADMIN_LOGIN_FAILURE_LIMIT
    client = client_ident(request)
    if Limit("admin-login-client", count, window).spent(client):
        return window
    if not email:
        return None
    digest = _email_digest(email)
    failures_here = Limit("admin-login-pair", count, window).current(f"{client}:{digest}")
    if failures_here >= count:
        return window
    ceiling, ceiling_window = settings.ADMIN_LOGIN_ACCOUNT_CEILING
    if failures_here and Limit("admin-login-account", ceiling, ceiling_window).spent(digest):
        return ceiling_window
    return None


def count_login_failure(request: HttpRequest, email: str | None) -> None:
    count, window = settings.ADMIN_LOGIN_FAILURE_LIMIT
    client = client_ident(request)
    Limit("admin-login-client", count, window).hit(client)
    if email:
        digest = _email_digest(email)
        Limit("admin-login-pair", count, window).hit(f"{client}:{digest}")
        ceiling, ceiling_window = settings.ADMIN_LOGIN_ACCOUNT_CEILING
        Limit("admin-login-account", ceiling, ceiling_window).hit(digest)


class ThrottledLoginMixin:
    """``retry_after`` is set (seconds) when the attempt was refused unchecked. The admin's
    login and the sign-in page of everyone else (``pages.SignInView``) count failures in
    the same counters: two doors give a guesser no second budget."""

    retry_after: int | None = None

    def clean(self):
        email = self.cleaned_data.get("username")
        self.retry_after = login_refused(self.request, email)
        if self.retry_after:
            minutes = math.ceil(self.retry_after / 60)
            raise ValidationError(
                "Too many failed logins from this address. "
                f"Please try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            count_login_failure(self.request, email)
            raise


class ThrottledLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class SignInForm(ThrottledLoginMixin, AuthenticationForm):
    """Any active user: guests and members who are not staff sign in here."""


class PeopleAutocompleteJsonView(AutocompleteJsonView):
    """Search results name people as the rest of the admin does (name and e-mail)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if getattr(obj._meta, "model_name", "") == "user":
            result["text"] = person_label(obj)
        return result


class StaffAdminSite(admin.AdminSite):
    login_form = ThrottledLoginForm

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return PeopleAutocompleteJsonView.as_view(admin_site=self)(request)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        retry_after = getattr(form, "retry_after", None)
        if retry_after:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response
