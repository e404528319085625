"""The public surfaces of SPEC §12: the landing page of a share (``/v/<slug>``), its CTA
redirect, the player page (``/player/``) and the embed manifest (``/embed/v1/manifest``).

No login, no cookies, no personal data: a viewer's own data travels only in the URL fragment
and stays in the browser. Every page gets a strict Content-Security-Policy.
"""

import json
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET
from rest_framework.exceptions import Throttled

from backoffice.api.errors import problem_response
from backoffice.ratelimit import Limit, client_ident
from credentials.services import credential_by_key, credential_touch
from projects.constants import Status as ProjectStatus
from templates.constants import FileRole, Kind
from templates.files import file_url
from templates.models import TemplateFile

from .models import DistributionChannel, PublicVideoShare

API_KEY_HEADER = "X-Percus-Api-Key"
UNAVAILABLE = "This video is no longer available."


# Headers ------------------------------------------------------------------------------------


def _public_origin() -> str:
    parts = urlsplit(settings.PUBLIC_SITE_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _csp(*, frame_ancestors: str, scripts: bool) -> str:
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
            "form-action 'none'",
        ]
    )


def _harden(response: HttpResponse, *, frame_ancestors: str = "'none'", scripts: bool = True):
    response["Content-Security-Policy"] = _csp(frame_ancestors=frame_ancestors, scripts=scripts)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    # For browsers without frame-ancestors: the middleware's DENY, or SAMEORIGIN for the player.
    if frame_ancestors != "'none'":
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _limited(scope: str, setting: tuple[int, int], ident: str) -> int | None:
    """Seconds to wait when the budget is spent, else None (and the request is counted)."""
    limit = Limit(scope, *setting)
    try:
        limit.check(ident)
    except Throttled as throttled:
        return int(throttled.wait or limit.window_seconds)
    limit.hit(ident)
    return None


def _page(request, template: str, context: dict, *, status: int = 200, **harden):
    return _harden(render(request, template, context, status=status), **harden)


def _unavailable(request, status: int) -> HttpResponse:
    return _page(
        request,
        "shares/unavailable.html",
        {"status": status, "detail": UNAVAILABLE, "lang": settings.LANGUAGE_CODE},
        status=status,
        scripts=False,
    )


def _too_many(request, wait: int) -> HttpResponse:
    response = _page(
        request,
        "shares/unavailable.html",
        {
            "status": 429,
            "detail": "Too many requests; please try again in a moment.",
            "lang": settings.LANGUAGE_CODE,
        },
        status=429,
        scripts=False,
    )
    response["Retry-After"] = str(wait)
    return response


# Landing page -------------------------------------------------------------------------------


def _channel_file(role: str) -> Subquery:
    """The id of the file with ``role`` of the template shown on the share's channel."""
    return Subquery(
        TemplateFile.objects.filter(
            template__channels__project=OuterRef("project_id"),
            template__channels__channel=OuterRef("channel"),
            role=role,
        )
        .order_by("created_at")
        .values("pk")[:1]
    )


def _share(slug: str) -> PublicVideoShare | None:
    """The share with everything its page needs, in one query: project, organization,
    credential, and the ids of the shown template's Lottie and manifest files."""
    if len(slug) > 64:
        return None
    return (
        PublicVideoShare.objects.select_related("project__organization", "api_credential")
        .annotate(
            template_json_id=_channel_file(FileRole.TEMPLATE_JSON),
            overlay_json_id=_channel_file(FileRole.OVERLAY_JSON),
            manifest_json_id=_channel_file(FileRole.MANIFEST_JSON),
        )
        .filter(slug=slug)
        .first()
    )


def _playable(share: PublicVideoShare | None) -> int:
    """200 when the share's page may show, else the status of the notice (404 or 410)."""
    if share is None:
        return 404
    project = share.project
    if project.trashed_at is not None or project.status == ProjectStatus.ARCHIVED:
        return 404
    if not (share.template_json_id or share.overlay_json_id):
        return 404  # the channel shows no template
    credential = share.api_credential
    if credential is not None and (
        credential.revoked_at is not None
        or (credential.expires_at is not None and credential.expires_at <= timezone.now())
        or not credential.allows_channel(share.channel)
    ):
        return 404
    if not share.is_enabled:
        return 410
    return 200


def _file_ref(file_id) -> TemplateFile:
    return TemplateFile(pk=file_id)


def _open_share(request, slug: str) -> tuple[PublicVideoShare | None, HttpResponse | None]:
    """The playable share behind a public URL, or the response that refuses it (429 for a
    client over its limit, else the 404/410 notice)."""
    wait = _limited("public-page", settings.PUBLIC_RATE_LIMIT, client_ident(request))
    if wait is not None:
        return None, _too_many(request, wait)
    share = _share(slug)
    status = _playable(share)
    if status != 200:
        return None, _unavailable(request, status)
    return share, None


def player_fragment(config: dict) -> str:
    return quote(json.dumps(config, separators=(",", ":"), ensure_ascii=False), safe="")


@require_GET
def landing(request, slug: str):
    share, refusal = _open_share(request, slug)
    if refusal is not None:
        return refusal
    PublicVideoShare.objects.filter(pk=share.pk).update(view_count=F("view_count") + 1)
    if share.api_credential is not None:
        credential_touch(share.api_credential)
    lottie_id = share.template_json_id or share.overlay_json_id
    config = {
        "templateUrl": file_url(_file_ref(lottie_id)),
        "manifestUrl": file_url(_file_ref(share.manifest_json_id))
        if share.manifest_json_id
        else None,
        "data": share.personalization_data or {},
    }
    context = {
        "share": share,
        "lang": share.locale or share.project.effective_locale,
        "player_config": config,
        "player_src": f"/player/#{player_fragment(config)}",
    }
    return _page(request, "shares/landing.html", context)


@require_GET
def cta(request, slug: str):
    share, refusal = _open_share(request, slug)
    if refusal is not None:
        return refusal
    if not share.cta_url:
        return _unavailable(request, 404)
    PublicVideoShare.objects.filter(pk=share.pk).update(cta_click_count=F("cta_click_count") + 1)
    response = HttpResponseRedirect(share.cta_url)  # only ever the stored URL
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


# Player ---------------------------------------------------------------------------------------


@require_GET
def player(request):
    wait = _limited("public-page", settings.PUBLIC_RATE_LIMIT, client_ident(request))
    if wait is not None:
        return _too_many(request, wait)
    origins = sorted({request.build_absolute_uri("/").rstrip("/"), _public_origin()} - {""})
    ancestors = " ".join(["'self'", *(origin for origin in origins)])
    response = _page(
        request,
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


def _absolute(file: TemplateFile | None) -> str | None:
    return f"{settings.PUBLIC_SITE_URL}{file_url(file)}" if file is not None else None


def embed_manifest(request):
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "GET":
        response = _problem(405, "Only GET is allowed.", code="method_not_allowed")
        response["Allow"] = "GET, OPTIONS"
        return response
    wait = _limited("embed-client", settings.PUBLIC_RATE_LIMIT, client_ident(request))
    if wait is not None:
        response = _problem(429, "Too many requests.", code="rate_limited")
        response["Retry-After"] = str(wait)
        return response
    api_key = request.headers.get(API_KEY_HEADER, "").strip()
    if not api_key:
        return _problem(401, f"The {API_KEY_HEADER} header is required.", code="unauthenticated")
    wait = _limited("embed-key", settings.CREDENTIAL_RATE_LIMIT, api_key[:40])
    if wait is not None:
        response = _problem(429, "Too many requests for this key.", code="rate_limited")
        response["Retry-After"] = str(wait)
        return response
    credential = credential_by_key(api_key)
    if credential is None:
        return _problem(401, "This API key is unknown, revoked or expired.", code="unauthenticated")
    handle = request.GET.get("channelHandle", "")
    channel = (
        DistributionChannel.objects.select_related("active_template")
        .prefetch_related("active_template__files")
        .filter(channel_handle=handle)
        .first()
        if handle and len(handle) <= 32
        else None
    )
    if channel is not None and channel.project_id != credential.project_id:
        return _problem(401, "This API key belongs to another project.", code="unauthenticated")
    project = credential.project
    template = channel.active_template if channel is not None else None
    if (
        template is None
        or not credential.allows_channel(channel.channel)
        or project.trashed_at is not None
        or project.status == ProjectStatus.ARCHIVED
    ):
        return _problem(404, "No published channel with this handle.", code="not_found")
    files: dict[str, TemplateFile] = {}
    for file in template.files.all():
        files.setdefault(file.role, file)
    lottie = files.get(FileRole.TEMPLATE_JSON)
    if template.kind == Kind.RASTER and lottie is None:
        lottie = files.get(FileRole.OVERLAY_JSON)
    body = {
        "organizationId": str(project.organization_id),
        "projectId": str(project.pk),
        "templateId": str(template.pk),
        "templateVersion": template.version,
        "kind": template.kind,
        "templateUrl": _absolute(lottie),
        "manifestUrl": _absolute(files.get(FileRole.MANIFEST_JSON)),
        "overlayUrl": _absolute(files.get(FileRole.OVERLAY_JSON)),
        "videoUrl": _absolute(files.get(FileRole.VIDEO)),
        "posterUrl": _absolute(files.get(FileRole.POSTER)),
    }
    return _cors(JsonResponse(body))
