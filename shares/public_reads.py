"""The reads behind the public hot paths (SPEC §12), one SQL statement each.

A landing page or an embed manifest is requested far more often than anything else, so each
reads everything it needs in one hand-written statement: no queryset is built or compiled per
request, PostgreSQL plans each statement once per connection, and the result is a plain,
hashable row. With Redis as the cache, the row is kept there (``public_cache``) until a
committed change makes it stale, so a hit reads no database at all, and a disable, a rotated
slug, a publish, an archive or a revoked key still takes effect on the very next request, in
every process.

The SQL is portable (PostgreSQL and the demo's SQLite); ``_uuid`` and ``_moment`` give both
the same Python values.
"""

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection
from django.utils.dateparse import parse_datetime

from backoffice.models import Organization
from credentials.models import ApiCredential
from projects.constants import Status as ProjectStatus
from projects.models import Project
from templates.constants import FileRole, Kind
from templates.models import Template, TemplateFile

from .constants import ShareStatus
from .models import DistributionChannel, OrganizationBranding, PublicVideoShare
from .public_cache import cached, key_ident
from .public_text import GONE, NOT_YET

#: What a slug can be made of (URL-safe base64); anything else names no share.
SLUG = re.compile(r"[A-Za-z0-9_-]+")


def _uuid(value: Any) -> UUID | None:
    return value if value is None or isinstance(value, UUID) else UUID(str(value))


def _moment(value: Any) -> dt.datetime | None:
    """An aware datetime; SQLite gives naive UTC ones (or text, after a CAST)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _json(text: str | None) -> Any:
    """A JSON column, read as text so that rows stay hashable."""
    return json.loads(text) if text is not None else None


@contextmanager
def _cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL prepares once per connection (psycopg prepares a
    statement with server-side parameters after a few runs), logged like any other query."""
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    raw = psycopg.Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor


def _tables() -> dict[str, str]:
    models = {
        "share": PublicVideoShare,
        "channel": DistributionChannel,
        "project": Project,
        "organization": Organization,
        "credential": ApiCredential,
        "template": Template,
        "file": TemplateFile,
        "branding": OrganizationBranding,
    }
    return {name: connection.ops.quote_name(model._meta.db_table) for name, model in models.items()}


@dataclass(frozen=True)
class Credential:
    """What a public page needs of an API credential."""

    id: UUID
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None
    channels: list[str]
    last_used_at: dt.datetime | None

    @classmethod
    def from_columns(cls, id, revoked_at, expires_at, channels, last_used_at) -> "Credential":
        return cls(
            _uuid(id),
            _moment(revoked_at),
            _moment(expires_at),
            _json(channels) or [],
            _moment(last_used_at),
        )

    def is_active(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, channel: str | None) -> bool:
        return not self.channels or channel in self.channels


# Landing page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branding:
    """How the organization's pages look (``OrganizationBranding``, or the defaults)."""

    organization_name: str
    display_name: str
    brand_colour: str
    privacy_policy_url: str
    logo_path: str

    @property
    def name(self) -> str:
        return self.display_name or self.organization_name


@dataclass(frozen=True)
class LandingShare:
    """A share with its project's state and the files of the template its channel shows."""

    id: UUID
    slug: str
    channel: str
    status: str
    public_title: str
    public_subtitle: str
    locale: str
    cta_label: str
    cta_url: str
    personalization_data: dict
    project_archived: bool
    project_trashed: bool
    project_locale: str
    credential: Credential | None
    lottie_file_id: UUID | None
    manifest_file_id: UUID | None
    branding: "Branding"
    expires_at: dt.datetime | None
    password_hash: str
    #: The row it was read from: hashable, and equal exactly when the page is the same.
    row: tuple = field(repr=False, compare=False)

    @classmethod
    def from_row(cls, row: tuple) -> "LandingShare":
        (id, slug, channel, status, title, subtitle, locale, cta_label, cta_url, data) = row[:10]
        archived, trashed, project_locale, credential_id = row[10:14]
        return cls(
            _uuid(id),
            slug,
            channel,
            status,
            title,
            subtitle,
            locale,
            cta_label,
            cta_url,
            _json(data) or {},
            bool(archived),
            bool(trashed),
            project_locale,
            Credential.from_columns(*row[13:18]) if credential_id is not None else None,
            _uuid(row[18]),
            _uuid(row[19]),
            Branding(row[20], row[21] or "", row[22] or "", row[23] or "", row[24] or ""),
            _moment(row[25]),
            row[26] or "",
            row=row,
        )

    def availability(self, now: dt.datetime) -> tuple[int, str | None]:
        """``(200, None)`` when the page may show, else the status and notice (SPEC §16
        Lifecycle): an archived or trashed project is 404 "no longer available", a disabled
        share 410 "no longer available", an enabled share that isn't live (its channel
        shows no template, or its credential is no longer usable) 404 "not available yet"."""
        if self.project_trashed or self.project_archived:
            return 404, GONE
        if self.status != ShareStatus.ENABLED:
            return 410, GONE
        if self.expires_at is not None and self.expires_at <= now:
            return 410, GONE
        credential = self.credential
        if self.lottie_file_id is None or (
            credential is not None
            and not (credential.is_active(now) and credential.allows(self.channel))
        ):
            return 404, NOT_YET
        return 200, None

    @property
    def effective_locale(self) -> str:
        return self.locale or self.project_locale or ""


@cache
def _landing_sql() -> str:
    # The Lottie file is the template's own JSON, or the overlay of a raster template.
    return """
        SELECT s.id, s.slug, s.channel, s.status, s.public_title, s.public_subtitle, s.locale,
               s.cta_label, s.cta_url, CAST(s.personalization_data AS TEXT),
               p.status = %(archived)s, p.trashed_at IS NOT NULL,
               COALESCE(NULLIF(p.locale, ''), o.default_locale),
               c.id, c.revoked_at, c.expires_at, CAST(c.channels AS TEXT), c.last_used_at,
               (SELECT f.id FROM {file} f
                 WHERE f.template_id = ch.active_template_id AND f.role IN (%(lottie)s, %(overlay)s)
                 ORDER BY f.role = %(overlay)s, f.created_at LIMIT 1),
               (SELECT f.id FROM {file} f
                 WHERE f.template_id = ch.active_template_id AND f.role = %(manifest)s
                 ORDER BY f.created_at LIMIT 1),
               o.name, b.display_name, b.brand_colour, b.privacy_policy_url, b.logo_path,
               s.expires_at, s.password_hash
          FROM {share} s
          JOIN {project} p ON p.id = s.project_id
          JOIN {organization} o ON o.id = p.organization_id
          LEFT JOIN {branding} b ON b.organization_id = o.id
          LEFT JOIN {credential} c ON c.id = s.api_credential_id
          LEFT JOIN {channel} ch ON ch.project_id = s.project_id AND ch.channel = s.channel
         WHERE s.slug = %(slug)s
    """.format(**_tables())  # noqa: S608 - only our own table names are interpolated


def landing_share(slug: str) -> LandingShare | None:
    """The share behind ``/v/<slug>``: from the public cache, else in one query; None for an
    unknown slug."""
    if len(slug) > PublicVideoShare._meta.get_field("slug").max_length or not SLUG.fullmatch(slug):
        return None  # no share has such a slug: nothing to read or cache
    row = cached("landing", slug, lambda: landing_row(slug))
    return LandingShare.from_row(row) if row is not None else None


def landing_row(slug: str) -> tuple | None:
    """The landing page's row, read from the database (one statement)."""
    params = {
        "slug": slug,
        "archived": ProjectStatus.ARCHIVED,
        "lottie": FileRole.TEMPLATE_JSON,
        "overlay": FileRole.OVERLAY_JSON,
        "manifest": FileRole.MANIFEST_JSON,
    }
    with _cursor() as cursor:
        cursor.execute(_landing_sql(), params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


# Embed manifest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedChannel:
    """A credential with the channel a handle names (when it names one) and that channel's
    template and files."""

    credential: Credential
    organization_id: UUID
    project_id: UUID
    project_live: bool
    channel: str | None
    channel_project_id: UUID | None
    template_id: UUID | None
    template_version: int | None
    template_kind: str | None
    files: dict[str, UUID]
    #: The rows it was read from: hashable, and equal exactly when the manifest is the same.
    rows: tuple = field(repr=False, compare=False)

    @classmethod
    def from_rows(cls, rows: tuple) -> "EmbedChannel":
        first = rows[0]
        files: dict[str, UUID] = {}
        for *_, role, file_id in rows:  # in upload order: the first file of a role wins
            if role is not None:
                files.setdefault(role, _uuid(file_id))
        return cls(
            Credential.from_columns(*first[:5]),
            _uuid(first[5]),
            _uuid(first[6]),
            bool(first[7]),
            first[8],
            _uuid(first[9]),
            _uuid(first[10]),
            first[11],
            first[12],
            files=files,
            rows=rows,
        )

    def lottie_file_id(self) -> UUID | None:
        lottie = self.files.get(FileRole.TEMPLATE_JSON)
        if lottie is None and self.template_kind == Kind.RASTER:
            return self.files.get(FileRole.OVERLAY_JSON)
        return lottie


@cache
def _embed_sql() -> str:
    # One row per file of the channel's template (or one row with none).
    return """
        SELECT c.id, c.revoked_at, c.expires_at, CAST(c.channels AS TEXT), c.last_used_at,
               p.organization_id, p.id, p.status <> %(archived)s,
               ch.channel, ch.project_id, t.id, t.version, t.kind, f.role, f.id
          FROM {credential} c
          JOIN {project} p ON p.id = c.project_id AND p.trashed_at IS NULL
          LEFT JOIN {channel} ch ON ch.channel_handle = %(handle)s
          LEFT JOIN {template} t ON t.id = ch.active_template_id
          LEFT JOIN {file} f ON f.template_id = t.id
         WHERE c.api_key = %(key)s
         ORDER BY f.created_at, f.id
    """.format(**_tables())  # noqa: S608 - only our own table names are interpolated


def embed_channel(api_key: str, handle: str) -> EmbedChannel | None:
    """The credential with ``api_key`` (revoked or expired ones too: the caller decides) and
    the channel ``handle`` names: from the public cache, else in one query; None when no
    credential of a project outside the trash has this key."""
    if len(api_key) > ApiCredential._meta.get_field("api_key").max_length:
        return None
    rows = cached("embed", key_ident(api_key, handle), lambda: embed_rows(api_key, handle))
    return EmbedChannel.from_rows(rows) if rows else None


def embed_rows(api_key: str, handle: str) -> tuple | None:
    """The manifest's rows, read from the database (one statement)."""
    params = {"key": api_key, "handle": handle, "archived": ProjectStatus.ARCHIVED}
    with _cursor() as cursor:
        cursor.execute(_embed_sql(), params)
        rows = tuple(tuple(row) for row in cursor.fetchall())
    return rows or None
