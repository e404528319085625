"""Server-rendered pages of the core: the invitation page and the error handlers.

Errors under machine-facing paths answer with problem details; elsewhere with a plain page.
"""

import sys

from django import forms
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .admin_site import SignInForm
from .api.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_DETAIL,
    problem_response,
)
from .errors import DomainError
from .models import User

_MACHINE_PREFIXES = ("/api/", "/embed/", "/healthz", "/readyz")


def _error(request, status: int, detail: str, exception=None):
    if request.path.startswith(_MACHINE_PREFIXES):
        return problem_response(status, detail)
    return render(
        request, "backoffice/error.html", {"status": status, "detail": detail}, status=status
    )


#: Problem details under machine-facing paths, the plain error page elsewhere.
error_response = _error


def service_unavailable(request):
    """503 with ``Retry-After``: the database is unreachable, the request may be retried."""
    response = _error(request, 503, UNAVAILABLE_DETAIL)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception=None):
    return _error(request, 400, "The request could not be understood.")


def permission_denied(request, exception=None):
    return _error(request, 403, "You are not allowed to do this.")


def page_not_found(request, exception=None):
    return _error(request, 404, "Nothing was found at this address.")


@csrf_exempt  # answers every method with the same 404; reads no cookie
def machine_not_found(request, rest: str = ""):
    """The last route under ``/api/`` and ``/embed/``: an unmatched path there is a 404
    problem whatever ``DEBUG`` is (with ``DEBUG`` on, Django would otherwise answer its
    technical 404 page, which lists every route, and never call ``handler404``)."""
    return _error(request, 404, "Nothing was found at this address.")


def server_error(request):
    # Django calls this while handling the exception: a database outage raised outside a view
    # (a middleware, the session save) is still a 503.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return _error(request, 500, "Something went wrong on our side; it has been logged.")


class SignInView(LoginView):
    """``/login``: a session for any active user (guests and members who are not staff), for
    the browsable API; throttled like the admin's login, in the same counters."""

    form_class = SignInForm
    template_name = "backoffice/login.html"

    def get_default_redirect_url(self) -> str:
        return "/api/Projects"

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class AcceptInvitationForm(forms.Form):
    display_name = forms.CharField(max_length=150, required=False, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, required=False, max_length=128)


INVITATION_STEP_OPEN = "open"


@never_cache
@csrf_protect
@sensitive_post_parameters("password", "token")
def invitation(request):
    """The page an invitation e-mail links to: ``/invitations/#<token>``. The token is in the
    URL fragment, which browsers never send, so it reaches no access log, proxy log or
    ``Referer``. GET serves a page whose script (``invitation.js``) posts the fragment back
    (``step=open``), or lets the person paste it without scripts; the page that answers shows
    the invitation and accepts it by POST, the token in a hidden field."""
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        opening = request.POST.get("step") == INVITATION_STEP_OPEN
        return _invitation_page(request, token, accept=not opening)
    response = render(request, "backoffice/invitation_open.html")
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@csrf_exempt
def accept_invitation(request, token: str):
    """The links sent before the token moved to the fragment (``/invitations/<token>``).
    Any method is redirected (303) to ``/invitations/#<token>`` without looking the token up,
    so a request for the old form answers the same whatever the token, Django logs nothing
    about it (a 404 would log the path), and no password is ever posted to a URL that carries
    the token."""
    response = HttpResponseRedirect(f"/invitations/#{token}", status=303)
    response["Referrer-Policy"] = "same-origin"
    return response


def _invitation_page(request, token: str, *, accept: bool):
    try:
        invitation = services.invitation_for_token(token)
    except DomainError as error:
        return _error(request, 404, error.detail)
    needs_password = invitation.user.status == User.Status.PENDING
    form = AcceptInvitationForm(request.POST if accept else None)
    if accept and form.is_valid():
        try:
            services.invitation_accept(token=token, **form.cleaned_data)
        except DomainError as error:
            for field, messages in error.errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            if not error.errors:
                form.add_error(None, error.detail)
        else:
            return render(
                request, "backoffice/invitation_accepted.html", {"invitation": invitation}
            )
    context = {
        "invitation": invitation,
        "form": form,
        "needs_password": needs_password,
        "token": token,
    }
    response = render(request, "backoffice/invitation.html", context)
    response["Referrer-Policy"] = "same-origin"
    return response
