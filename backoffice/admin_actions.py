"""Admin actions and deletes that go through services.

- What can't be undone (archive, trash, delete, revoke, rotate a slug, unpublish, disable)
  first shows a confirmation page listing the objects and what will happen to each.
- A service's refusal (``DomainError``) is a message naming the object, never a 500; the
  other objects of the same action still go through.
- Counts read as sentences: "Archived 1 project.", "Archived 3 projects."
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, quote
from django.db import router
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .errors import DomainError

#: At most this many objects are listed one by one on a confirmation page.
LISTED_AT_MOST = 100


@dataclass(frozen=True)
class Noun:
    singular: str
    plural: str

    def count(self, number: int) -> str:
        return f"{number} {self.singular if number == 1 else self.plural}"


def noun_of(model_admin) -> Noun:
    opts = model_admin.model._meta
    return Noun(str(opts.verbose_name), str(opts.verbose_name_plural))


@dataclass
class Item:
    """One object on a confirmation page: what happens to it, or why it will be refused."""

    obj: Any
    consequences: list[str] = field(default_factory=list)
    refusal: str | None = None


def confirmed(request) -> bool:
    return request.POST.get("post") == "yes"


def run_service(
    model_admin,
    request,
    objects: Iterable[Any],
    act: Callable[[Any], Any],
    *,
    verb: str,
    noun: Noun | None = None,
    report: Callable[[list[tuple[Any, Any]]], list[str]] | None = None,
) -> int:
    """``act(obj)`` for each object; one error message per refusal, one success message
    with the count ("Archived 2 projects.", or ``verb`` with ``{}`` where the count goes),
    or, with ``report``, its sentences about what each object's service did (``(obj,
    result)`` pairs: when an action can end in more than one way). Returns how many went
    through."""
    noun = noun or noun_of(model_admin)
    done = 0
    results: list[tuple[Any, Any]] = []
    for obj in objects:
        label = str(obj)
        try:
            result = act(obj)
        except DomainError as error:
            model_admin.message_user(request, f"{label}: {error.detail}", messages.ERROR)
        else:
            done += 1
            results.append((obj, result))
    if report is not None:
        for sentence in report(results):
            model_admin.message_user(request, sentence, messages.SUCCESS)
    elif done:
        counted = noun.count(done)
        sentence = verb.format(counted) if "{}" in verb else f"{verb} {counted}"
        model_admin.message_user(request, f"{sentence}.", messages.SUCCESS)
    return done


def confirmation_page(
    model_admin,
    request,
    items: Sequence[Item],
    *,
    title: str,
    question: str,
    button: str,
    action: str | None,
    general: Sequence[str] = (),
    obj: Any = None,
) -> TemplateResponse:
    """The page asking to confirm ``action`` on the objects (``action=None``: the object's
    own delete page, which posts back to itself)."""
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "question": question,
        "general": list(general),
        "items": list(items[:LISTED_AT_MOST]),
        "more": max(0, len(items) - LISTED_AT_MOST),
        "objects": [item.obj for item in items],
        # Nothing would go through: the page offers no button to try, only the way back.
        "all_refused": bool(items) and all(item.refusal for item in items),
        "action": action,
        "button": button,
        "object": obj,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/percus/confirm.html", context)


def confirm_then_run(
    model_admin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    question: str,
    button: str,
    verb: str,
    act: Callable[[Any], Any],
    consequences: Callable[[Any], list[str]] = lambda obj: [],
    refusal: Callable[[Any], str | None] = lambda obj: None,
    general: Sequence[str] = (),
    noun: Noun | None = None,
    report: Callable[[list[tuple[Any, Any]]], list[str]] | None = None,
):
    """The body of a confirmed action: the confirmation page first, the service once the
    page is posted back with ``post=yes``."""
    objects = list(queryset)
    if not confirmed(request):
        items = [Item(obj, consequences(obj), refusal(obj)) for obj in objects]
        return confirmation_page(
            model_admin,
            request,
            items,
            title=title,
            question=question,
            button=button,
            action=action,
            general=general,
        )
    run_service(model_admin, request, objects, act, verb=verb, noun=noun, report=report)
    return None


def deleted_with(objects: Sequence[Any], *, skip: Iterable[type] = ()) -> list[str]:
    """What a delete takes along, counted by kind ("3 video templates"), the objects
    themselves not included."""
    if not objects:
        return []
    collector = NestedObjects(using=router.db_for_write(type(objects[0])))
    collector.collect(list(objects))
    counted: dict[Any, int] = {}
    for model, instances in collector.data.items():
        counted[model] = counted.get(model, 0) + len(instances)
    own = type(objects[0])
    lines = []
    for model, number in counted.items():
        number -= len(objects) if model is own else 0
        if number <= 0 or model in tuple(skip):
            continue
        opts = model._meta
        lines.append(Noun(str(opts.verbose_name), str(opts.verbose_name_plural)).count(number))
    return lines


class ServiceDeleteAdmin:
    """Mixin for a ModelAdmin whose deletes go through a service (``delete_with_service``).

    The object's Delete page and the "Delete selected" action show the same confirmation
    (what goes with the object, what will be refused) and report a refusal as a message.
    Django's own cascade listing is not used: it asks for a delete permission on every
    related table, which the rows that follow their parent (channels, files, grants…) never
    give, so it refused deletes the service would make.
    """

    delete_warning: str = "This can't be undone."

    def delete_with_service(self, request, obj) -> None:
        raise NotImplementedError

    def delete_consequences(self, obj) -> list[str]:
        along = deleted_with([obj])
        return [f"Deleted with it: {', '.join(along)}."] if along else []

    def delete_refusal(self, obj) -> str | None:
        """A refusal known before trying (shown on the confirmation page)."""
        return None

    def delete_model(self, request, obj) -> None:
        self.delete_with_service(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda obj: self.delete_with_service(request, obj),
            verb="Deleted",
        )

    def get_deleted_objects(self, objs, request):
        return [str(obj) for obj in objs], {}, set(), []

    def delete_view(self, request, object_id, extra_context=None):
        try:
            # Django deletes inside a transaction: leaving it with the refusal rolls back
            # the admin log entry written just before.
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, f"Nothing was deleted: {error.detail}", messages.ERROR)
            opts = self.model._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[quote(object_id)],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(url)

    def render_delete_form(self, request, context):
        obj = context["object"]
        noun = noun_of(self)
        return confirmation_page(
            self,
            request,
            [Item(obj, self.delete_consequences(obj), self.delete_refusal(obj))],
            title=f"Delete this {noun.singular}?",
            question=f"Delete the {noun.singular} “{obj}” for good?",
            general=[self.delete_warning],
            button="Yes, delete",
            action=None,
            obj=obj,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                type(self).delete_selected_with_service,
                "delete_selected",
                "Delete selected %(verbose_name_plural)s…",
            )
        return actions

    def delete_selected_with_service(self, request, queryset):
        noun = noun_of(self)
        return confirm_then_run(
            self,
            request,
            queryset,
            action="delete_selected",
            title=f"Delete {noun.plural}?",
            question=f"Delete the selected {noun.plural} for good?",
            general=[self.delete_warning],
            button="Yes, delete",
            verb="Deleted",
            act=lambda obj: self.delete_with_service(request, obj),
            consequences=self.delete_consequences,
            refusal=self.delete_refusal,
        )
