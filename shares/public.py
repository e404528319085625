"""The public surfaces of SPEC §12: the landing page of a share (``/v/<slug>``), its CTA
redirect, the player page (``/player/``) and the embed manifest (``/embed/v1/manifest``).

No login, no cookies, no personal data: a viewer's own data travels only in the URL fragment
and stays in the browser. Every page gets a strict Content-Security-Policy.
"""

import hashlib
import hmac
import json
import re
from functools import lru_cache
from urllib.parse import quote, urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import Throttled

from backoffice.api.errors import problem_response
from backoffice.ratelimit import Limit, client_ident
from credentials.services import LAST_USED_RESOLUTION, credential_mark_used
from templates.constants import FileRole
from templates.files import file_url, signing_time

from . import counting
from .public_cache import first_this_minute, hot_lookup, hot_store, key_ident, uncount
from .public_reads import (
    SLUG,
    Credential,
    EmbedChannel,
    LandingShare,
    embed_channel,
    embed_rows,
    landing_row,
    landing_share,
)
from .public_text import GONE, TOO_MANY, text_for
from .public_urls import LOGO_PATH, logo_path_url
from .services import logo_folder

API_KEY_HEADER = "X-Percus-Api-Key"
API_KEY_META = "HTTP_X_PERCUS_API_KEY"
SLUG_LENGTH = 64  # PublicVideoShare.slug's max_length


# Headers ------------------------------------------------------------------------------------


def _public_origin() -> str:
    parts = urlsplit(settings.PUBLIC_SITE_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _csp(*, frame_ancestors: str, scripts: bool, form_action: str = "'none'") -> str:
    script = "script-src 'self'" if scripts else "script-src 'none'"
    return "; ".join(
        [
            "default-src 'none'",
            script,
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self'",
            "font-src 'self'",
            "frame-src 'self'",
            "connect-src 'self'",
            f"frame-ancestors {frame_ancestors}",
            "base-uri 'none'",
            f"form-action {form_action}",
        ]
    )


def _harden(
    response: HttpResponse,
    *,
    frame_ancestors: str = "'none'",
    scripts: bool = True,
    form_action: str = "'none'",
):
    response["Content-Security-Policy"] = _csp(
        frame_ancestors=frame_ancestors, scripts=scripts, form_action=form_action
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    # For browsers without frame-ancestors: the middleware's DENY, or SAMEORIGIN for the player.
    if frame_ancestors != "'none'":
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _limited(scope: str, setting: tuple[int, int], ident: str) -> int | None:
    """Counts the request; the seconds to wait when the budget is spent, else None."""
    limit = Limit(scope, *setting)
    try:
        limit.take(ident)
    except Throttled as throttled:
        return int(throttled.wait)
    return None


def _page(template: str, context: dict, *, status: int = 200, **harden):
    # No request in the context: public pages need no context processors (user, messages).
    body = render_to_string(template, context)
    return _harden(HttpResponse(body, status=status), **harden)


def _notice(status: int, notice: str, locale: str | None, **harden) -> HttpResponse:
    """The plain page of a refusal, in the share's language (the default one when there is
    no share to ask)."""
    words = text_for(locale or settings.LANGUAGE_CODE)
    return _page(
        "shares/unavailable.html",
        {
            "status": status,
            "detail": words[notice],
            "hint": words[f"{notice}_hint"],
            "notice": notice,
            "lang": locale or settings.LANGUAGE_CODE,
        },
        status=status,
        scripts=False,
        **harden,
    )


def _unavailable(status: int, notice: str = GONE, locale: str | None = None) -> HttpResponse:
    return _notice(status, notice, locale)


def _too_many(wait: int) -> HttpResponse:
    response = _notice(429, TOO_MANY, None)
    response["Retry-After"] = str(wait)
    return response


# Landing page -------------------------------------------------------------------------------


def _file_url(file_id: UUID | None, signed_at: int) -> str | None:
    return file_url(file_id, signed_at=signed_at) if file_id is not None else None


def _open_share(request, slug: str, kind: str) -> tuple[LandingShare | None, HttpResponse | None]:
    """The playable share behind a public URL, counted as a view or CTA click (``kind``), or
    the response that refuses it (429 for a client over its limit, else the 404/410
    notice). With Redis, a cached share costs one round trip for the limit, the row, the
    count and the credential's minute together (``public_cache.hot_lookup``), no query."""
    ident = client_ident(request)
    budget, window = settings.PUBLIC_RATE_LIMIT
    hot = None
    if len(slug) <= SLUG_LENGTH and SLUG.fullmatch(slug):
        limits = [("public-page", ident, budget, window)]
        hot = hot_lookup("landing", slug, limits=limits, count=kind, claim=True)
    counted = claimed = False
    if hot is None:  # no Redis (or it failed), or a slug no share can have
        wait = _limited("public-page", settings.PUBLIC_RATE_LIMIT, ident)
        if wait is not None:
            return None, _too_many(wait)
        share = landing_share(slug)
    elif hot.wait:
        return None, _too_many(hot.wait)
    elif hot.hit:
        share = LandingShare.from_row(hot.value) if hot.value is not None else None
        counted, claimed = hot.counted, hot.claimed
    else:  # a miss: read, and store under the generation the script saw
        row = landing_row(slug)
        hot_store("landing", slug, hot.value, row, *((row[0], row[13]) if row else ()))
        share = LandingShare.from_row(row) if row is not None else None
    if share is None:
        return None, _unavailable(404)
    status, notice = share.availability(timezone.now())
    if status != 200 or (kind == counting.CTA_CLICKS and not share.cta_url):
        if counted:
            uncount(share.id, kind)
        return None, _unavailable(
            status if status != 200 else 404, notice or GONE, share.effective_locale
        )
    if request.method != "GET" or not _unlocked(request, share):
        # a password form (or its answer) shows nothing of the share: not a view or click
        if counted:
            uncount(share.id, kind)
        return share, None
    if not counted:
        counting.record(share.id, kind)
    if share.credential is not None:
        if claimed:
            credential_mark_used(share.credential.id, None)
        elif hot is None or not hot.hit:
            _mark_used(share.credential)
    return share, None


def _mark_used(credential: Credential) -> None:
    """``lastUsedAt`` at most once a minute per credential, without a query in between."""
    last = credential.last_used_at
    if last is not None and timezone.now() - last < LAST_USED_RESOLUTION:
        return
    if first_this_minute(f"used:{credential.id}"):
        credential_mark_used(credential.id, last)


def player_fragment(config: dict) -> str:
    return quote(json.dumps(config, separators=(",", ":"), ensure_ascii=False), safe="")


# Password-protected shares (SPEC §17) ------------------------------------------------------

PASSWORD_COOKIE = "share_access"
PASSWORD_SALT = "shares.password"


def _password_proof(share: LandingShare) -> str:
    """What the cookie of an unlocked share says: this share and its current password (a
    new password locks every browser out again)."""
    return f"{share.id}:{hashlib.sha256(share.password_hash.encode()).hexdigest()[:16]}"


def _unlocked(request, share: LandingShare) -> bool:
    if not share.password_hash:
        return True
    proof = request.get_signed_cookie(PASSWORD_COOKIE, default=None, salt=PASSWORD_SALT)
    return proof is not None and hmac.compare_digest(proof, _password_proof(share))


def _password_page(share: LandingShare, *, status: int = 200, wrong: bool = False):
    words = text_for(share.effective_locale)
    context = {
        "words": words,
        "wrong": wrong,
        "lang": share.effective_locale or settings.LANGUAGE_CODE,
    }
    return _page(
        "shares/password.html", context, status=status, scripts=False, form_action="'self'"
    )


def _try_password(request, share: LandingShare, slug: str) -> HttpResponse:
    """Check a password from the form, at most ``SHARE_PASSWORD_LIMIT`` tries per share and
    client; the right one sets a signed session cookie scoped to this share's path only."""
    ident = f"{share.id}:{client_ident(request)}"
    wait = _limited("share-password", settings.SHARE_PASSWORD_LIMIT, ident)
    if wait is not None:
        return _too_many(wait)
    if not check_password(request.POST.get("password", "")[:1000], share.password_hash):
        return _password_page(share, status=403, wrong=True)
    response = HttpResponseRedirect(request.path, status=303)
    response.set_signed_cookie(
        PASSWORD_COOKIE,
        _password_proof(share),
        salt=PASSWORD_SALT,
        path=f"/v/{slug}",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return _harden(response)


@csrf_exempt  # no session and no ambient authority: the password is the only proof
@require_http_methods(["GET", "POST"])
def landing(request, slug: str):
    share, refusal = _open_share(request, slug, counting.VIEWS)
    if refusal is not None:
        return refusal
    if not _unlocked(request, share):
        if request.method == "POST":
            return _try_password(request, share, slug)
        return _password_page(share)
    if request.method == "POST":
        if not share.password_hash:  # only a password page takes a form
            return HttpResponseNotAllowed(["GET"])
        return _harden(HttpResponseRedirect(request.path, status=303))
    return _harden(HttpResponse(_landing_html(share.row, signing_time())))


@lru_cache(maxsize=1024)
def _landing_html(row: tuple, signed_at: int, preview: bool = False) -> str:
    """The page of a share. It depends only on the share's row and the signing time of its
    file URLs, so each process renders it once per share state and minute; a changed share
    has another row, so a page is never served stale. In a ``preview`` the CTA and the
    privacy link open their destination in a new tab (the CTA its stored URL, uncounted)."""
    share = LandingShare.from_row(row)
    words = text_for(share.effective_locale)
    config = {
        "templateUrl": _file_url(share.lottie_file_id, signed_at),
        "manifestUrl": _file_url(share.manifest_file_id, signed_at),
        "data": share.personalization_data,
        "lang": share.effective_locale or settings.LANGUAGE_CODE,
        "labels": {"video": words["video"], "cantPlay": words["cant_play"]},
    }
    brand = share.branding
    logo = logo_path_url(brand.logo_path)
    colour = brand.brand_colour.lstrip("#").lower()
    context = {
        "share": share,
        "lang": share.effective_locale or settings.LANGUAGE_CODE,
        "words": words,
        "brand": brand,
        "sent_by": words["sent_by"].format(name=brand.name),
        "logo": logo,
        "favicon": logo,
        "theme": f"/brand/colour/{colour}.css" if BRAND_COLOUR.fullmatch(colour) else None,
        "player_config": config,
        "player_src": f"/player/#{player_fragment(config)}",
        "preview": preview,
        "cta_href": share.cta_url if preview else f"/v/{quote(share.slug, safe='')}/cta",
    }
    return render_to_string("shares/landing.html", context)


def landing_preview(slug: str) -> HttpResponse:
    """A share's public page as its customers see it now (the landing page, or the notice that
    replaces it), for the staff admin's framed preview: read from the database, so neither
    counted nor rate-limited nor cached, with no password asked, and framable by our own
    origin only. The caller decides who may see it."""
    row = landing_row(slug)
    if row is None:
        raise Http404
    share = LandingShare.from_row(row)
    status, notice = share.availability(timezone.now())
    if status != 200:
        page = _notice(status, notice or GONE, share.effective_locale, frame_ancestors="'self'")
        page.status_code = 200  # the page names the customers' status; the frame loads fine
        return page
    page = _landing_html(row, signing_time(), True)
    return _harden(HttpResponse(page), frame_ancestors="'self'")


@csrf_exempt  # GET only: a wrong method is a 405, not the CSRF page
@require_GET
def cta(request, slug: str):
    share, refusal = _open_share(request, slug, counting.CTA_CLICKS)
    if refusal is not None:
        return refusal
    if not _unlocked(request, share):
        return _password_page(share, status=403)
    response = HttpResponseRedirect(share.cta_url)  # only ever the stored URL
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


# Branding -------------------------------------------------------------------------------------

BRAND_COLOUR = re.compile(r"[0-9a-f]{6}")


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``rrggbb``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``rrggbb`` colours."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(hex_colour: str) -> str:
    """White or black, whichever contrasts more with the brand colour: at least 4.58:1 for
    any colour, so the CTA and the header always pass WCAG AA."""
    return (
        "#ffffff" if contrast(hex_colour, "ffffff") >= contrast(hex_colour, "000000") else "#000000"
    )


@csrf_exempt  # GET only: a wrong method is a 405, not the CSRF page
@require_GET
def brand_colour_css(request, colour: str):
    """The stylesheet of a brand colour (the pages' CSP allows no inline style): a pure
    function of the URL, cached by browsers for a year; no database."""
    colour = colour.lower()
    if not BRAND_COLOUR.fullmatch(colour):
        return _unavailable(404)
    body = f":root {{ --brand: #{colour}; --on-brand: {text_colour_on(colour)}; }}\n"
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt  # GET only: a wrong method is a 405, not the CSRF page
@require_GET
def brand_logo(request, organization_id: str, name: str):
    """An organization's logo by the name the storage gives it (``shares.public_urls``): the
    URL is the file's identity, so it is served without a database query and cached for a
    year."""
    path = f"{logo_folder(organization_id)}/{name}.png"
    if not LOGO_PATH.fullmatch(path) or not default_storage.exists(path):
        return _unavailable(404)
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# Player ---------------------------------------------------------------------------------------


@csrf_exempt  # GET only: a wrong method is a 405, not the CSRF page
@require_GET
def player(request):
    wait = _limited("public-page", settings.PUBLIC_RATE_LIMIT, client_ident(request))
    if wait is not None:
        return _too_many(wait)
    origins = sorted({request.build_absolute_uri("/").rstrip("/"), _public_origin()} - {""})
    ancestors = " ".join(["'self'", *(origin for origin in origins)])
    response = _page(
        "shares/player.html",
        {"allowed_origins": origins, "lottie_src": static("lottie/lottie_light.min.js")},
        frame_ancestors=ancestors,
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


# Embed manifest -------------------------------------------------------------------------------


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"  # the key is public; no cookies are used
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Allow-Headers"] = API_KEY_HEADER
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _problem(status: int, detail: str, **kwargs) -> HttpResponse:
    return _cors(problem_response(status, detail, **kwargs))


@lru_cache(maxsize=1024)
def _manifest_json(rows: tuple, signed_at: int, site_url: str) -> bytes:
    """The manifest of a published channel; like the landing page, a function of its row and
    the signing time only."""
    found = EmbedChannel.from_rows(rows)

    def absolute(file_id: UUID | None) -> str | None:
        return f"{site_url}{_file_url(file_id, signed_at)}" if file_id is not None else None

    files = found.files
    body = {
        "organizationId": str(found.organization_id),
        "projectId": str(found.project_id),
        "templateId": str(found.template_id),
        "templateVersion": found.template_version,
        "kind": found.template_kind,
        "templateUrl": absolute(found.lottie_file_id()),
        "manifestUrl": absolute(files.get(FileRole.MANIFEST_JSON)),
        "overlayUrl": absolute(files.get(FileRole.OVERLAY_JSON)),
        "videoUrl": absolute(files.get(FileRole.VIDEO)),
        "posterUrl": absolute(files.get(FileRole.POSTER)),
    }
    return json.dumps(body, separators=(",", ":")).encode()


@csrf_exempt  # the key is a header, no cookie: a wrong method is a 405 problem
def embed_manifest(request):
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "GET":
        response = _problem(405, "Only GET is allowed.", code="method_not_allowed")
        response["Allow"] = "GET, OPTIONS"
        return response
    ident = client_ident(request)
    # From META: ``request.headers`` would first copy every header of the request.
    api_key = request.META.get(API_KEY_META, "").strip()
    handle = request.GET.get("channelHandle", "")
    handle = handle if len(handle) <= 32 else ""
    hot = None
    if api_key and len(api_key) <= 40:
        limits = [
            ("embed-client", ident, *settings.PUBLIC_RATE_LIMIT),
            ("embed-key", api_key, *settings.CREDENTIAL_RATE_LIMIT),
        ]
        hot = hot_lookup("embed", key_ident(api_key, handle), limits=limits, claim=True)
    if hot is not None and hot.wait:
        response = _problem(429, "Too many requests.", code="rate_limited")
        response["Retry-After"] = str(hot.wait)
        return response
    if hot is None:
        wait = _limited("embed-client", settings.PUBLIC_RATE_LIMIT, ident)
        if wait is not None:
            response = _problem(429, "Too many requests.", code="rate_limited")
            response["Retry-After"] = str(wait)
            return response
        if not api_key:
            return _problem(
                401, f"The {API_KEY_HEADER} header is required.", code="unauthenticated"
            )
        wait = _limited("embed-key", settings.CREDENTIAL_RATE_LIMIT, api_key[:40])
        if wait is not None:
            response = _problem(429, "Too many requests for this key.", code="rate_limited")
            response["Retry-After"] = str(wait)
            return response
        found = embed_channel(api_key, handle)
    elif hot.hit:
        found = EmbedChannel.from_rows(hot.value) if hot.value else None
    else:
        rows = embed_rows(api_key, handle)
        hot_store(
            "embed", key_ident(api_key, handle), hot.value, rows, None, rows[0][0] if rows else None
        )
        found = EmbedChannel.from_rows(rows) if rows else None
    if found is None or not found.credential.is_active(timezone.now()):
        return _problem(401, "This API key is unknown, revoked or expired.", code="unauthenticated")
    if hot is not None and hot.claimed:
        credential_mark_used(found.credential.id, None)
    elif hot is None or not hot.hit:
        _mark_used(found.credential)
    if found.channel_project_id not in (None, found.project_id):
        return _problem(401, "This API key belongs to another project.", code="unauthenticated")
    if (
        found.template_id is None
        or not found.project_live
        or not found.credential.allows(found.channel)
    ):
        return _problem(404, "No published channel with this handle.", code="not_found")
    body = _manifest_json(found.rows, signing_time(), settings.PUBLIC_SITE_URL)
    return _cors(HttpResponse(body, content_type="application/json"))
