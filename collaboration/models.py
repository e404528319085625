"""Collaboration: comments on projects, and organization-level user groups.

A ``UserGroup`` wraps a ``django.contrib.auth`` ``Group`` one to one, so a project grant to
the group is an ordinary guardian group object permission (``ProjectGroupObjectPermission``)
and counts in the one-query visibility filter of ``projects.querysets`` through
``user.groups``.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.functions import Lower

from backoffice.models import Organization, TimeStampedModel
from projects.models import Project

MAX_MESSAGE_LENGTH = 10_000


class Comment(TimeStampedModel):
    """A message on a project. Only its author edits it; the author or an organization
    admin deletes it. Allowed on archived projects too."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    mentioned_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_comments"
    )
    edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(message=""), name="comment_message_set"),
        ]

    def __str__(self) -> str:
        author = self.author.get_full_name() if self.author else "a deleted user"
        return f"Comment by {author} on {self.project}"


class UserGroup(TimeStampedModel):
    """A named set of users of one organization, which can be granted a role on projects."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="user_groups"
    )
    name = models.CharField(max_length=150)
    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, related_name="user_group", editable=False
    )

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="usergroup_name_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name
