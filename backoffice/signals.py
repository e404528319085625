"""Signals of the core app, for the apps above it.

``project_invitation_accepted(sender=Invitation, invitation, user)`` is sent inside the
transaction of ``services.invitation_accept`` when a guest invitation (one with a
``project_id``) is accepted: the core app knows no projects, so ``collaboration`` listens
and gives the project grant (``collaboration.services.guest_grant_on_acceptance``). An
exception raised by the receiver undoes the acceptance.
"""

from django.dispatch import Signal

project_invitation_accepted = Signal()
