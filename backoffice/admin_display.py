"""How the staff admin shows values: as people read them, not as the database stores them.

Badges for statuses, chips for lists (tags, channels), sizes in KB/MB, links to the objects
an id names, and channels in promotion order (DEV, STAGING, PROD).
"""

from collections.abc import Iterable

from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.db.models import Case, IntegerField, Value, When
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

BADGE = '<span class="badge" style="background:{}">{}</span>'
GREY = "#6b7280"

#: The order channels are listed in everywhere (promotion order); kept here, below the
#: shares app, so every admin can sort by it.
CHANNELS_IN_ORDER = ("DEV", "STAGING", "PROD")


def badge(text: str, colour: str = GREY) -> str:
    """A coloured label; the text as a sentence starts ("active" → "Active")."""
    return format_html(BADGE, colour, capfirst(str(text)))


def chips(values: Iterable[object], empty: str = "—") -> str:
    values = [str(value) for value in values if str(value)]
    if not values:
        return empty
    return format_html_join("", '<span class="chip">{}</span>', ((value,) for value in values))


def person(user, *, empty: str = "—") -> str:
    """A person as people name them: the display name, with the e-mail as its tooltip (the
    e-mail alone when there is no name)."""
    if user is None:
        return empty
    name = getattr(user, "display_name", "") or ""
    if not name:
        return format_html('<span class="person">{}</span>', user.email)
    return format_html('<span class="person" title="{}">{}</span>', user.email, name)


def person_label(user) -> str:
    """A person in a choice or a search result: "Ana Pérez (ana@banco.example)", the e-mail
    telling apart two people of one name; the e-mail alone when there is no name."""
    name = getattr(user, "display_name", "") or ""
    return f"{name} ({user.email})" if name else user.email


def person_column(field: str, description: str | None = None):
    """An admin column or read-only field showing the user in ``field`` by name, e.g.
    ``requested_by_name = person_column("requested_by")``; sorted by name."""

    def column(self, obj) -> str:
        return person(getattr(obj, field))

    column.__name__ = f"{field}_name"
    column.short_description = description or field.replace("_", " ")
    column.admin_order_field = f"{field}__display_name"
    return column


def truncated(
    text: str, *, href: str | None = None, code: bool = False, narrow: bool = False
) -> str:
    """A long value (a URL, an error) cut to its column with an ellipsis; the whole value
    is its tooltip, and on the change page."""
    text = str(text or "")
    if not text:
        return "—"
    inner = format_html("<code>{}</code>", text) if code else text
    classes = "truncate narrow" if narrow else "truncate"
    if href:
        return format_html(
            '<a class="{}" href="{}" title="{}" target="_blank" rel="noopener">{}</a>',
            classes,
            href,
            text,
            inner,
        )
    return format_html('<span class="{}" title="{}">{}</span>', classes, text, inner)


def short_datetime(value) -> str:
    """A date and time in a list, in the admin's one format ("Dec. 1, 2026, 5:41 p.m. UTC",
    as Django shows dates on every other page: never "12/01/2026", which reads as 12 January
    in most of the world); it may wrap between the date and the time but never inside
    either."""
    if value is None:
        return "—"
    text = date_format(timezone.localtime(value), "DATETIME_FORMAT")
    day, _, time = text.rpartition(", ")
    if not day:
        return format_html('<span class="nowrap">{}</span>', text)
    return format_html('<span class="nowrap">{},</span> <span class="nowrap">{}</span>', day, time)


def human_size(size: int | None) -> str:
    return "—" if size is None else filesizeformat(size).replace("\xa0", " ")


def admin_url(obj, view: str = "change") -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[quote(obj.pk)])
    except NoReverseMatch:
        return None


def link(obj, label: str | None = None) -> str:
    """A link to the object's admin page (its name alone when it has none)."""
    if obj is None:
        return "—"
    url = admin_url(obj)
    text = label if label is not None else str(obj)
    return format_html('<a href="{}">{}</a>', url, text) if url else text


def channel_order(field: str = "channel") -> Case:
    """An ``order_by`` expression putting DEV, STAGING, PROD in that order."""
    return Case(
        *(When(**{field: name}, then=Value(index)) for index, name in enumerate(CHANNELS_IN_ORDER)),
        default=Value(len(CHANNELS_IN_ORDER)),
        output_field=IntegerField(),
    )


def in_channel_order(names: Iterable[str]) -> list[str]:
    def rank(name: str) -> int:
        return CHANNELS_IN_ORDER.index(name) if name in CHANNELS_IN_ORDER else 99

    return sorted(names, key=rank)


class ReadOnlyPageMixin:
    """A change page with nothing to edit shows no Save buttons, only Close / Delete."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None and self._nothing_to_edit(request, obj):
            extra_context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _nothing_to_edit(self, request, obj) -> bool:
        readonly = set(self.get_readonly_fields(request, obj))
        fields = set(flatten_fieldsets(self.get_fieldsets(request, obj)))
        has_editable_inline = any(
            inline.has_change_permission(request, obj) or inline.has_add_permission(request, obj)
            for inline in self.get_inline_instances(request, obj)
            if set(inline.get_fields(request, obj)) - set(inline.get_readonly_fields(request, obj))
        )
        return fields <= readonly and not has_editable_inline
