"""Staff admin of the core: organizations and their members, users, personal API tokens,
invitations and the audit trail.

Changes with a rule behind them go through the services, so the admin enforces what the API
enforces (the last OrganizationAdmin stays) and leaves the same audit events. A service's
refusal rolls the whole save back and comes back as an error message, never a 500.
Tokens, invitations and audit events are read-only here: tokens are created where their
value can be shown once (the API, ``create_api_token``), and the audit trail is never edited.
"""

import re
import uuid
from collections.abc import Callable
from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import admin_display as display
from . import services
from .actors import Actor
from .admin_actions import Noun, confirm_then_run
from .admin_calendar import CalendarHierarchyAdmin
from .admin_history import (
    AuditHistoryMixin,
    Names,
    about_in_words,
    actor_in_words,
    changes_in_words,
    event_in_words,
)
from .admin_readonly import ReadOnlyAdmin
from .admin_scoping import (
    OrganizationRoleAdmin,
    OrganizationScopedAdmin,
    managed_organizations,
)
from .errors import Conflict, DomainError
from .models import ApiToken, AuditEvent, Invitation, Membership, Organization, User
from .permissions import has_perm
from .roles import Perm, Role

admin.site.site_header = "Percus Backoffice"
admin.site.site_title = "Percus Backoffice"
admin.site.index_title = "Staff administration"
admin.site.index_template = "admin/percus/index.html"  # the dashboard above the apps

BADGE_COLOURS = {
    User.Status.ACTIVE: "#15803d",
    User.Status.PENDING: "#b45309",
    User.Status.DEACTIVATED: "#6b7280",
    User.Status.SUSPENDED: "#b91c1c",
    "active": "#15803d",
    "pending": "#b45309",
    "accepted": "#1d4ed8",
    "expired": "#6b7280",
    "revoked": "#b91c1c",
}


def badge(text: str) -> str:
    return display.badge(text, BADGE_COLOURS.get(text, display.GREY))


def adopt(obj, saved) -> None:
    """Make the admin's instance the row a service saved. The admin goes on with its own
    instance after ``save_model`` (inlines, log entry, redirect)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def form_field_of(name: str, form) -> str | None:
    """The form field a service's error names: the services name fields as the API does
    (``jobCode``), the forms as the model does (``job_code``)."""
    for candidate in (name, re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()):
        if candidate in form.fields:
            return candidate
    return None


def add_refusal(form, error: DomainError) -> None:
    """Put a service's refusal on the form: each field's errors next to the field, the
    rest (and a refusal naming no field of the form) above it."""
    for name, messages_ in error.errors.items():
        field = form_field_of(name, form)
        for message in messages_:
            form.add_error(field, message)
    if not error.errors:
        form.add_error(None, error.detail)


class ServiceAdminMixin:
    """A ``DomainError`` raised while saving (by ``save_model`` or an inline) undoes the
    whole save, and the page comes back as Django shows a form that doesn't validate: with
    what the user typed, each field's error next to the field, and the refusal in a banner.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # ModelAdmin.changeform_view runs in a transaction: leaving it with the
            # exception rolls back the form, the inlines and the admin log alike.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, f"Nothing was saved: {error.detail}", messages.ERROR)
            if request.method != "POST":
                return HttpResponseRedirect(request.get_full_path())
            # The same post once more, with the refusal on the form: it doesn't validate,
            # so nothing is saved and the form is shown again as it was typed.
            request._service_refusal = error
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except DomainError:
                return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                add_refusal(self, refusal)
                return cleaned

        RefusedForm.__name__ = form.__name__
        return RefusedForm


class StatusFilter(admin.SimpleListFilter):
    """Filters on a status computed from timestamps. Subclasses give ``conditions``."""

    title = "status"
    parameter_name = "status"
    conditions: dict[str, Callable[[datetime], Q]] = {}

    def lookups(self, request, model_admin):
        return [(name, name.capitalize()) for name in self.conditions]

    def queryset(self, request, queryset):
        condition = self.conditions.get(self.value())
        return queryset.filter(condition(timezone.now())) if condition else queryset


# Memberships ---------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    """Existing memberships: only the role is editable. The other side is shown read-only,
    from the row's own join, rather than as one select widget (and one query) per row."""

    model = Membership
    extra = 0
    can_delete = False  # members are deactivated through the API, never deleted
    readonly_fields = ["active", "deactivated_at"]

    def get_queryset(self, request):
        # Both sides: each row's title is the membership's __str__, which names both.
        return super().get_queryset(request).select_related("user", "organization")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # new rows go in NewMembershipInline

    @admin.display(boolean=True, description="active")
    def active(self, membership: Membership) -> bool:
        return membership.is_active


class NewMembershipInline(admin.TabularInline):
    """Rows to add, with a searchable select; existing memberships are not listed here."""

    model = Membership
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class OrganizationMembershipInline(MembershipInline):
    fields = ["member", "role", "active", "deactivated_at"]
    readonly_fields = ["member", *MembershipInline.readonly_fields]
    verbose_name_plural = "members"

    @admin.display(description="user")
    def member(self, membership: Membership) -> str:
        return display.person(membership.user)


class OrganizationNewMemberInline(NewMembershipInline):
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    verbose_name = "member"  # "Add another member"
    verbose_name_plural = "add members"


class UserMembershipInline(MembershipInline):
    fields = ["organization", "role", "active", "deactivated_at"]
    readonly_fields = ["organization", *MembershipInline.readonly_fields]
    verbose_name_plural = "organizations"


class UserNewMembershipInline(NewMembershipInline):
    fields = ["organization", "role"]
    autocomplete_fields = ["organization"]
    verbose_name = "membership"  # "Add another membership"
    verbose_name_plural = "add to organizations"


class MembershipFormsetMixin(ServiceAdminMixin):
    """Saves membership rows with ``services.membership_set_role`` instead of the formsets.

    The rows of all membership inlines are saved together, promotions first, so handing
    the admin role over in one save (promote one, demote the other) never leaves none.
    """

    def save_related(self, request, form, formsets, change) -> None:
        memberships = [formset for formset in formsets if formset.model is Membership]
        others = [formset for formset in formsets if formset.model is not Membership]
        super().save_related(request, form, others, change)
        actor = Actor.for_user(request.user)
        rows = []
        for formset in memberships:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            rows += [
                (formset, row)
                for row in formset.forms
                if row.has_changed() and (row.instance._state.adding or "role" in row.changed_data)
            ]
        rows.sort(key=lambda item: Role(item[1].cleaned_data["role"]).rank, reverse=True)
        refusals = []
        for formset, row in rows:
            membership = row.instance
            adding = membership._state.adding
            # The inline's own foreign key is the parent; the other side is the row's.
            user = formset.instance if isinstance(formset.instance, User) else None
            organization = formset.instance if isinstance(formset.instance, Organization) else None
            user = user or row.cleaned_data.get("user") or membership.user
            organization = (
                organization or row.cleaned_data.get("organization") or membership.organization
            )
            if not has_perm(request.user, Perm.MANAGE_ORGANIZATION, organization):
                # The members API's rule: only the organization's admins (and the Owner)
                # add members or change roles, so nobody raises their own role here.
                refusals.append(f"{user} in {organization}: your role does not allow this.")
                continue
            try:
                saved = services.membership_set_role(
                    actor=actor,
                    organization=organization,
                    user=user,
                    role=row.cleaned_data["role"],
                )
            except DomainError as error:
                refusals.append(f"{user} in {organization}: {error.detail}")
                continue
            if adding:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, ["role"]))
        if refusals:
            raise Conflict(" ".join(refusals))


# Organizations -------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(
    OrganizationRoleAdmin, AuditHistoryMixin, MembershipFormsetMixin, admin.ModelAdmin
):
    """Settings and members change where the user is an OrganizationAdmin (the members
    API's rule); only the Owner creates organizations."""

    organization_path = ""
    list_display = ["name", "slug", "default_locale", "member_count", "created_at"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "default_locale"]}),
        ("History", {"fields": ["id", "created_at", "updated_at"]}),
    ]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [OrganizationMembershipInline, OrganizationNewMemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships", filter=Q(memberships__deactivated_at=None)))
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Scripts and commands name organizations by slug: it is fixed once chosen.
        return [*fields, "slug"] if obj else fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": ["name"]}

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an organization owns everything in it; there is no delete service

    @admin.display(description="active members", ordering="member_count")
    def member_count(self, organization: Organization) -> int:
        return organization.member_count

    def save_model(self, request, obj: Organization, form, change: bool) -> None:
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            adopt(
                obj,
                services.organization_update(
                    actor=Actor.for_user(request.user), organization=obj, **fields
                ),
            )
            return
        saved = services.organization_create(
            actor=Actor.for_user(request.user),
            name=form.cleaned_data["name"],
            slug=form.cleaned_data["slug"],
            default_locale=form.cleaned_data["default_locale"],
        )
        adopt(obj, saved)


# Users ---------------------------------------------------------------------------------


def _check_email_free(email: str, user: User | None = None) -> str:
    email = User.objects.normalize_email(email.strip())
    others = User.objects.filter(email__iexact=email)
    if user is not None and user.pk:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise ValidationError("A user with this e-mail already exists.")
    return email


class UserCreationForm(AdminUserCreationForm):
    """Django's admin creation form, with the e-mail as the login."""

    class Meta:
        model = User
        fields = ["email", "display_name"]

    def clean_email(self) -> str:
        return _check_email_free(self.cleaned_data["email"])


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _check_email_free(self.cleaned_data["email"], self.instance)


@admin.register(User)
class UserAdmin(
    OrganizationScopedAdmin, AuditHistoryMixin, MembershipFormsetMixin, DjangoUserAdmin
):
    organization_path = "memberships__organization"
    form = UserEditForm
    add_form = UserCreationForm
    list_display = [
        "email_link",
        "display_name",
        "status_badge",
        "is_staff",
        "is_superuser",
        "last_login",
    ]
    list_display_links = None  # ``email_link``: only the rows the viewer may open
    list_filter = ["status", "is_staff", "is_superuser"]
    search_fields = ["email", "display_name"]
    ordering = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "status"]}),
        (
            "Staff access",
            {
                "description": "A superuser is the system Owner: an OrganizationAdmin in "
                "every organization. Making someone Owner also gives staff access.",
                "fields": ["is_staff", "is_superuser", "groups", "user_permissions"],
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "usable_password", "password1", "password2"],
            },
        ),
    ]
    # A status change can take away an organization's last admin: it goes through the
    # members API (deactivate / reactivate), which keeps that rule.
    readonly_fields = ["status", "last_login", "date_joined"]
    inlines = [UserMembershipInline, UserNewMembershipInline]

    #: Rights: only the Owner changes them (``services.may_manage_rights``).
    rights_fields = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not services.may_manage_rights(Actor.for_user(request.user)):
            fields += self.rights_fields  # never submitted: a forged value is ignored
            fields += ["password_state", "access_summary"]
        return fields

    def get_fieldsets(self, request, obj=None):
        """Only the Owner, who manages rights, sees Django's permission and group pickers
        and the password hash's internals; anyone else reads whether a password is set and
        a summary of the person's access (staff, Owner, organizations and roles)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or services.may_manage_rights(Actor.for_user(request.user)):
            return fieldsets
        hidden = {"groups", "user_permissions", "is_superuser"}
        shown = []
        for name, options in fieldsets:
            fields = [
                "password_state" if field == "password" else field
                for field in options.get("fields", [])
                if field not in hidden
            ]
            if name == "Staff access":
                options = {key: value for key, value in options.items() if key != "description"}
                fields = [*fields, "access_summary"]
            shown.append((name, {**options, "fields": fields}))
        return shown

    @admin.display(description="password")
    def password_state(self, user: User) -> str:
        state = "Set" if user.has_usable_password() else "Not set (signs in by invitation)"
        return format_html('{} · <a href="../password/">set a new password</a>', state)

    @admin.display(description="access")
    def access_summary(self, user: User) -> str:
        """The person's access in words, from their active memberships (one query)."""
        lines = []
        if user.is_superuser:
            lines.append("System Owner: an organization admin in every organization.")
        rows = (
            user.memberships.filter(deactivated_at__isnull=True)
            .select_related("organization")
            .order_by("organization__name")
        )
        lines += [f"{row.role_label} in {row.organization.name}" for row in rows]
        if not lines:
            return "No organization."
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    def _may_open(self, request, obj: User | None) -> bool:
        """Anyone but the Owner opens only their own staff account and non-staff users."""
        if obj is None or services.may_manage_rights(Actor.for_user(request.user)):
            return True
        return obj.pk == request.user.pk or not (obj.is_staff or obj.is_superuser)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may_open(request, obj) and super().has_view_permission(request, obj)

    def get_changelist_instance(self, request):
        """Marks the rows the viewer may open (on the rows: the admin instance is shared
        between requests), so the list links no page that would answer 403."""
        changelist = super().get_changelist_instance(request)
        for user in changelist.result_list:
            user.may_open = self._may_open(request, user)
        return changelist

    @admin.display(description="e-mail", ordering="email")
    def email_link(self, user: User) -> str:
        if getattr(user, "may_open", True):
            return display.link(user, user.email)
        return format_html(
            '{} <small title="Only the Owner opens staff accounts">(staff)</small>', user.email
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_open(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # people are deactivated, not deleted: their audit trail stays whole

    @admin.display(description="status", ordering="status")
    def status_badge(self, user: User) -> str:
        return badge(user.status)

    def save_model(self, request, obj: User, form, change: bool) -> None:
        actor = Actor.for_user(request.user)
        if not change:
            password = (
                form.cleaned_data["password1"]
                if form.cleaned_data.get("set_usable_password")
                else None
            )
            saved = services.user_create(
                actor=actor,
                email=form.cleaned_data["email"],
                password=password,
                display_name=form.cleaned_data.get("display_name", ""),
            )
            adopt(obj, saved)
            return
        m2m = {"groups", "user_permissions"}  # saved with the form's save_m2m
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in {*m2m, "is_superuser"}
        }
        if fields:
            services.user_update_profile(actor=actor, user=obj, **fields)
        if "is_superuser" in form.changed_data:
            saved = services.user_set_owner(actor=actor, user=obj, is_owner=obj.is_superuser)
            obj.is_superuser, obj.is_staff = saved.is_superuser, saved.is_staff


# Personal API tokens -------------------------------------------------------------------


class TokenStatusFilter(StatusFilter):
    conditions = {
        "active": lambda now: Q(revoked_at=None) & (Q(expires_at=None) | Q(expires_at__gt=now)),
        "expired": lambda now: Q(revoked_at=None, expires_at__lte=now),
        "revoked": lambda now: Q(revoked_at__isnull=False),
    }


@admin.register(Membership)
class MembershipAdmin(OrganizationScopedAdmin, ReadOnlyAdmin):
    """Who holds which role where, across organizations. Roles change on the organization or
    user page (or the API), through ``membership_set_role`` and the member services."""

    list_display = ["user_name", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__display_name", "organization__name"]
    list_select_related = ["user", "organization"]
    show_full_result_count = False

    user_name = display.person_column("user")

    @admin.display(boolean=True, description="active")
    def is_active(self, membership: Membership) -> bool:
        return membership.is_active


@admin.register(ApiToken)
class ApiTokenAdmin(OrganizationScopedAdmin, AuditHistoryMixin, ReadOnlyAdmin):
    """Tokens are made by the API or ``create_api_token`` (the value is shown once there),
    revoked by the action below, and never deleted: audit events point at them."""

    organization_path = "user__memberships__organization"
    """Shows a token's prefix, never its digest. Tokens are created where their value can
    be shown once (the API, ``create_api_token``), so there is no add page."""

    # When it was revoked, and by whom, is on the change page: the status says it here.
    list_display = [
        "name",
        "user_name",
        "prefix",
        "scope",
        "status_badge",
        "expires",
        "last_used",
    ]
    list_filter = [TokenStatusFilter, "scope"]
    search_fields = ["name", "prefix", "user__email", "user__display_name"]
    list_select_related = ["user"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]
    actions = ["revoke"]
    fields = [
        "name",
        "user_name",
        "prefix",
        "scope",
        "status_badge",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by_name",
    ]
    readonly_fields = fields

    user_name = display.person_column("user")
    revoked_by_name = display.person_column("revoked_by", "revoked by")

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, token: ApiToken) -> str:
        return display.short_datetime(token.expires_at)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, token: ApiToken) -> str:
        return display.short_datetime(token.last_used_at)

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("backoffice.change_apitoken")

    @admin.display(description="status")
    def status_badge(self, token: ApiToken) -> str:
        return badge(token.status)

    @admin.action(description="Revoke selected tokens…", permissions=["revoke"])
    def revoke(self, request, queryset):
        actor = Actor.for_user(request.user)
        return confirm_then_run(
            self,
            request,
            queryset.select_related("user"),
            action="revoke",
            title="Revoke tokens?",
            question="Revoke the selected personal API tokens?",
            general=[
                "Requests made with them are refused at once (401). A revoked token can't "
                "be brought back; its owner creates a new one."
            ],
            button="Yes, revoke",
            verb="Revoked",
            noun=Noun("token", "tokens"),
            act=lambda token: services.token_revoke(actor=actor, token=token),
            consequences=lambda token: [
                f"{token.user.get_full_name()}'s token {token.prefix}… stops working."
            ],
            refusal=lambda token: "it is already revoked." if token.revoked_at else None,
        )


# Invitations ---------------------------------------------------------------------------


class InvitationStatusFilter(StatusFilter):
    conditions = {
        "pending": lambda now: Q(accepted_at=None, revoked_at=None, expires_at__gt=now),
        "accepted": lambda now: Q(accepted_at__isnull=False),
        "revoked": lambda now: Q(accepted_at=None, revoked_at__isnull=False),
        "expired": lambda now: Q(accepted_at=None, revoked_at=None, expires_at__lte=now),
    }


@admin.register(Invitation)
class InvitationAdmin(OrganizationScopedAdmin, ReadOnlyAdmin):
    """Read-only: invitations are sent, resent and revoked through the API, which e-mails
    the single-use link."""

    list_display = [
        "user_name",
        "organization",
        "role",
        "status_badge",
        "sent_count",
        "expires_at",
        "invited_by_name",
        "created_at",
    ]
    list_filter = [InvitationStatusFilter, "role"]
    search_fields = [
        "user__email",
        "user__display_name",
        "organization__name",
        "organization__slug",
    ]
    list_select_related = ["user", "organization", "invited_by"]
    ordering = ["-created_at", "-id"]
    fields = [
        "user_name",
        "organization",
        "role",
        "status_badge",
        "invited_by_name",
        "sent_count",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    readonly_fields = fields

    user_name = display.person_column("user")
    invited_by_name = display.person_column("invited_by", "invited by")

    @admin.display(description="status")
    def status_badge(self, invitation: Invitation) -> str:
        return badge(invitation.status)


# Audit events --------------------------------------------------------------------------


class AuditEventTypeFilter(admin.SimpleListFilter):
    """The kinds of event, in words ("Channel published")."""

    title = "what happened"
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        types = (
            model_admin.get_queryset(request)
            .order_by("event_type")
            .values_list("event_type", flat=True)
            .distinct()
        )
        return [(value, event_in_words(value)) for value in types]

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


class AuditOrganizationFilter(admin.SimpleListFilter):
    """The staff user's organizations (every one for the Owner), not a scan of the trail."""

    title = "organization"
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        organizations = Organization.objects.all()
        if not request.user.is_superuser:
            managed = managed_organizations(request.user, Perm.MANAGE_ORGANIZATION)
            organizations = organizations.filter(pk__in=managed)
        return [(str(o.pk), o.name) for o in organizations.order_by("name")[:200]]

    def queryset(self, request, queryset):
        value = _uuid_or_none(self.value())
        return queryset.filter(organization_id=value) if value else queryset


#: The project and actor filters offer who and what the latest events name, not every
#: project or person of an organization (thousands): a bounded read of the newest events.
RECENT_EVENTS_FOR_FILTERS = 500
CHOICES_IN_FILTER = 20


class _ByIdFilter(admin.SimpleListFilter):
    """Narrows to one id. Its choices are the distinct ids of the newest
    ``RECENT_EVENTS_FOR_FILTERS`` events the user may read (two queries, whatever the size
    of the organization), at most ``CHOICES_IN_FILTER``, plus the chosen one; any other is
    reached from its link in the list (a project's name, an actor's "only")."""

    column = ""

    def lookups(self, request, model_admin):
        newest = (
            model_admin.get_queryset(request)
            .exclude(**{f"{self.column}__isnull": True})
            .order_by("-created_at", "-id")
            .values_list(self.column, flat=True)[:RECENT_EVENTS_FOR_FILTERS]
        )
        ids = list(dict.fromkeys(newest))[:CHOICES_IN_FILTER]
        chosen = _uuid_or_none(self.value())
        if chosen is not None and chosen not in ids:
            ids.append(chosen)
        names = self.names_of(ids)
        choices = [(str(pk), names.get(str(pk), str(pk))) for pk in ids]
        return sorted(choices, key=lambda choice: choice[1].lower())

    def names_of(self, ids) -> dict[str, str]:
        return {}

    def queryset(self, request, queryset):
        value = _uuid_or_none(self.value())
        return queryset.filter(**{self.column: value}) if value else queryset


class AuditProjectFilter(_ByIdFilter):
    title = "project"
    parameter_name = "project"
    column = "project_id"

    def names_of(self, ids) -> dict[str, str]:
        return project_names(ids)


class AuditActorFilter(_ByIdFilter):
    title = "person who acted"
    parameter_name = "actor"
    column = "actor_user_id"

    def names_of(self, ids) -> dict[str, str]:
        if not ids:
            return {}
        people = User.objects.filter(pk__in=ids).only("pk", "email", "display_name")
        return {str(user.pk): display.person_label(user) for user in people}


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def project_names(ids) -> dict[str, str]:
    """Project names by id (projects sit above this app: found through the admin's
    registry, one query for the page)."""
    model = next(
        (m for m in admin.site._registry if m._meta.label_lower == "projects.project"), None
    )
    if model is None or not ids:
        return {}
    rows = model._default_manager.filter(pk__in=list(ids)).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


@admin.register(AuditEvent)
class AuditEventAdmin(CalendarHierarchyAdmin, OrganizationScopedAdmin, ReadOnlyAdmin):
    """The audit trail, read-only: events are written by services and never edited. The
    list filters by organization, project, actor, kind of actor, type and date, and
    exports what it lists as the API's CSV."""

    list_display = ["when", "what", "actor", "project", "about", "organization"]
    list_filter = [
        AuditOrganizationFilter,
        AuditProjectFilter,
        AuditActorFilter,
        "actor_kind",
        AuditEventTypeFilter,
    ]
    date_hierarchy = "created_at"
    search_fields = ["event_type", "actor_label"]
    list_select_related = ["organization", "actor_user"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]
    fields = [
        "when",
        "what",
        "actor",
        "organization",
        "project",
        "about_in_full",
        "changes_in_words",
        "type_code",
    ]
    readonly_fields = fields
    change_list_template = "admin/percus/audit_change_list.html"

    # The trail is the organization admins' (as the API's audit log, MANAGE_ORGANIZATION).
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        managed = managed_organizations(request.user, Perm.MANAGE_ORGANIZATION)
        return queryset.filter(organization_id__in=managed)

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) and self._reads_trail(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self._reads_trail(request)

    @staticmethod
    def _reads_trail(request) -> bool:
        user = request.user
        return user.is_superuser or bool(managed_organizations(user, Perm.MANAGE_ORGANIZATION))

    #: Set by ``collaboration`` (which owns the API's CSV): ``(queryset) -> response``.
    csv_export = None

    def get_urls(self):
        urls = super().get_urls()
        if self.csv_export is None:
            return urls
        opts = self.opts
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_view),
            name=f"{opts.app_label}_{opts.model_name}_export",
        )
        return [export, *urls]

    def export_view(self, request):
        """The events the list shows (its filters, search and date), as the API's CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect("./?e=1")
        return type(self).csv_export(changelist.get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.csv_export is not None:
            query = request.GET.urlencode()
            extra_context["csv_url"] = "export.csv" + (f"?{query}" if query else "")
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request):
        """Names the page's projects in one query (on the rows themselves: the admin
        instance is shared between requests)."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        names = project_names({event.project_id for event in rows if event.project_id})
        people = Names(rows)  # the people the page's events name, by their names now
        for event in rows:
            event.project_name = names.get(str(event.project_id))
            event.names = people
        return changelist

    @admin.display(description="when", ordering="created_at")
    def when(self, event: AuditEvent) -> str:
        return display.short_datetime(event.created_at)

    @admin.display(description="what happened", ordering="event_type")
    def what(self, event: AuditEvent) -> str:
        return event_in_words(event.event_type)

    @admin.display(description="by")
    def actor(self, event: AuditEvent) -> str:
        words = actor_in_words(event)
        if event.actor_user_id:
            return format_html(
                '{} <a href="?actor={}" class="filter-link" title="Only this actor">only</a>',
                words,
                event.actor_user_id,
            )
        return words

    @admin.display(description="project")
    def project(self, event: AuditEvent) -> str:
        if not event.project_id:
            return "—"
        if not hasattr(event, "project_name"):
            event.project_name = project_names([event.project_id]).get(str(event.project_id))
        name = event.project_name or "a deleted project"
        return format_html(
            '<a href="?project={}" title="Only this project">{}</a>', event.project_id, name
        )

    @admin.display(description="about")
    def about(self, event: AuditEvent) -> str:
        # The list wraps the names between words; only a long unbroken value (a webhook
        # URL) is cut, its whole text the tooltip. The event's page shows all of it.
        return about_in_words(event, getattr(event, "names", None), cut=True)

    @admin.display(description="about")
    def about_in_full(self, event: AuditEvent) -> str:
        return about_in_words(event, Names([event]), cut=False)

    @admin.display(description="type in the API and the CSV")
    def type_code(self, event: AuditEvent) -> str:
        return format_html('<code class="nowrap">{}</code>', event.event_type)

    @admin.display(description="changes")
    def changes_in_words(self, event: AuditEvent) -> str:
        return changes_in_words(event, Names([event]))


# Django's permission groups ------------------------------------------------------------------


admin.site.unregister(Group)


@admin.register(Group)
class PermissionGroupAdmin(DjangoGroupAdmin):
    """Django's permission groups are an internal table: the system Owner's only (teams are
    the organizations' user groups, under Collaboration)."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
