"""Path parameters of the API: one naming convention and one regular expression per kind.

The resource a path addresses is ``{id}`` (DRF's ``pk`` in the URL kwargs, shown as ``id``),
its parents are ``{projectId}``, ``{organizationId}``, ``{webhookId}`` …, an organization or
project member's user is ``{userId}``; the few named values that are not ids (``{channel}``,
``{token}``) are listed in ``NAMED_VALUES``. Every id admits only a UUID, so anything else is
a 404 from the URL resolver, and the schema (``backoffice.api.schema``) declares exactly what
the pattern admits: ``format: uuid``, or for a project, its id or its slug.
"""

import re

#: A UUID in its canonical 8-4-4-4-12 form, either case (what ``format: uuid`` admits).
UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

#: What ``django.utils.text.slugify`` produces (projects' slugs).
SLUG = "[a-z0-9_-]+"

#: A project is addressed by its id or by its slug (SPEC §5).
ID_OR_SLUG = f"(?:{UUID}|{SLUG})"

#: Path parameters that name a value, not an id.
NAMED_VALUES = frozenset({"channel", "token"})


def uuid_kwarg(name: str) -> str:
    """``(?P<name>UUID)``, the regex of one id path parameter."""
    return f"(?P<{name}>{UUID})"


def any_case(*words: str) -> str:
    """A regex admitting exactly these words in any letter case, written with character
    classes (``[Dd][Ee][Vv]``) so that the same text is a valid ECMA-262 pattern for the
    OpenAPI schema, which has no case-insensitive flag."""

    def letters(word: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)

    return "(?:" + "|".join(letters(word) for word in words) + ")"


#: The prefix of the routes nested under one organization (projects have theirs in
#: ``projects.api.scoped``).
ORGANIZATION_PREFIX = f"Organizations/{uuid_kwarg('organizationId')}"
