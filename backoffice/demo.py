"""The demo tenant's parts. ``load_demo_data`` builds the core (organization, members) and
then runs each part that an app registered here, in order, so apps above the core add their
own demo data without the core importing them."""

from collections.abc import Callable
from dataclasses import dataclass

from .actors import Actor
from .models import Organization, User
from .roles import Role

#: The demo organization's slug (the home page looks for the demo by it).
DEMO_ORGANIZATION_SLUG = "banco-andino"


@dataclass
class Demo:
    """What the parts loaded so far, for the parts that come after."""

    organization: Organization
    members: dict[Role, User]
    actor: Actor


#: Callables ``(demo) -> None`` registered by apps in ``AppConfig.ready``; idempotent each.
demo_parts: list[Callable[[Demo], None]] = []
