"""Staff admin of API credentials: the key and status, never a digest. A credential made
here shows its secret once, on the page right after creation, and never again."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html

from backoffice import admin_display as display
from backoffice.actors import Actor
from backoffice.admin import ServiceAdminMixin, StatusFilter
from backoffice.admin_actions import confirm_then_run
from backoffice.admin_history import AuditHistoryMixin
from backoffice.admin_readonly import ReadOnlyInline, attach_inlines
from backoffice.roles import Perm
from projects.admin_access import ProjectAccessAdmin
from projects.models import Project

from . import services
from .constants import CHANNEL_NAMES
from .models import ApiCredential


class CredentialAddForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=[(name, name) for name in CHANNEL_NAMES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to allow every channel.",
    )

    class Meta:
        model = ApiCredential
        fields = ["project", "name", "channels", "expires_at"]


STATUS_COLOURS = {"Active": "#15803d", "Expired": "#6b7280", "Revoked": "#b91c1c"}


def credential_status(credential: ApiCredential) -> str:
    if credential.revoked_at is not None:
        return "Revoked"
    return "Expired" if credential.is_expired else "Active"


def credential_badge(credential: ApiCredential) -> str:
    status = credential_status(credential)
    return display.badge(status, STATUS_COLOURS[status])


def channel_chips(credential: ApiCredential) -> str:
    if not credential.channels:
        return display.chips(["All channels"])
    return display.chips(display.in_channel_order(credential.channels))


class CredentialStatusFilter(StatusFilter):
    conditions = {
        "active": lambda now: Q(revoked_at=None) & (Q(expires_at=None) | Q(expires_at__gt=now)),
        "expired": lambda now: Q(revoked_at=None, expires_at__lte=now),
        "revoked": lambda now: Q(revoked_at__isnull=False),
    }


class CredentialMixin:
    @admin.display(description="status")
    def status_badge(self, credential: ApiCredential) -> str:
        return credential_badge(credential)

    @admin.display(description="channels")
    def channel_chips(self, credential: ApiCredential) -> str:
        return channel_chips(credential)


@admin.register(ApiCredential)
class ApiCredentialAdmin(
    CredentialMixin,
    ProjectAccessAdmin,
    AuditHistoryMixin,
    display.ReadOnlyPageMixin,
    ServiceAdminMixin,
    admin.ModelAdmin,
):
    add_perm = Perm.MANAGE_CREDENTIALS
    action_perms = {"revoke": Perm.MANAGE_CREDENTIALS}
    list_display = [
        "key",
        "name",
        "project",
        "status_badge",
        "channel_chips",
        "expires",
        "last_used",
    ]
    list_display_links = ["key", "name"]
    list_filter = [CredentialStatusFilter]
    search_fields = ["api_key", "name", "project__name", "project__slug"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    actions = ["revoke"]
    fields = [
        "api_key",
        "name",
        "project",
        "status_badge",
        "channel_chips",
        "expires_at",
        "created_by_name",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by_name",
    ]
    readonly_fields = fields

    created_by_name = display.person_column("created_by", "created by")
    revoked_by_name = display.person_column("revoked_by", "revoked by")

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, credential: ApiCredential) -> str:
        return display.short_datetime(credential.expires_at)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, credential: ApiCredential) -> str:
        return display.short_datetime(credential.last_used_at)

    @admin.display(description="key", ordering="api_key")
    def key(self, credential: ApiCredential) -> str:
        return format_html('<code class="nowrap">{}</code>', credential.api_key)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CredentialAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return CredentialAddForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: ApiCredential, form, change: bool) -> None:
        created = services.credential_create(
            actor=Actor.for_user(request.user),
            project=form.cleaned_data["project"],
            name=form.cleaned_data["name"],
            channels=form.cleaned_data["channels"],
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk = created.credential.pk
        obj._state.adding = False
        request._created_secret = created.secret

    def response_add(self, request, obj, post_url_continue=None):
        """Show the secret on this response only: it is in no message, session or cookie."""
        credential = ApiCredential.objects.select_related("project").get(pk=obj.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "credential": credential,
            "secret": request._created_secret,
            "title": "Copy the secret now",
        }
        response = TemplateResponse(request, "admin/credentials/secret_once.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected credentials…")
    def revoke(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset.select_related("project"),
            action="revoke",
            title="Revoke credentials?",
            question="Revoke the selected API credentials?",
            general=[
                "They stop authenticating at once: integrations and embeds using them fail "
                "until they get a new credential. A revoked credential can't be brought back."
            ],
            button="Yes, revoke",
            verb="Revoked",
            act=lambda credential: services.credential_revoke(actor=actor, credential=credential),
            consequences=lambda credential: [
                f"Key {credential.api_key} of {credential.project} stops working."
            ],
            refusal=lambda credential: (
                "it is already revoked." if credential.revoked_at is not None else None
            ),
        )


class ApiCredentialInline(CredentialMixin, ReadOnlyInline):
    model = ApiCredential
    fields = ["key", "name", "status_badge", "channel_chips", "expires_at", "last_used_at"]
    verbose_name_plural = "API credentials"

    @admin.display(description="key")
    def key(self, credential: ApiCredential) -> str:
        return display.link(credential, credential.api_key)


attach_inlines(Project, ApiCredentialInline)
