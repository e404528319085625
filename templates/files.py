"""Short-lived signed URLs of template files (``/api/files/<token>``), and removing stored
files once their rows are gone."""

from uuid import UUID

from django.core.files.storage import default_storage
from django.db import transaction

from backoffice.signed_urls import URL_TIME_STEP, sign, signing_time, unsign

from .conf import file_url_max_age
from .models import TemplateFile

SALT = "template-file"

__all__ = [
    "URL_TIME_STEP",
    "file_id_from_token",
    "file_token",
    "file_url",
    "remove_stored_file",
    "signing_time",
]


def file_token(file_id: UUID, *, signed_at: int | None = None) -> str:
    return sign(str(file_id), salt=SALT, signed_at=signed_at)


def file_url(file_id: UUID, *, signed_at: int | None = None) -> str:
    return f"/api/files/{file_token(file_id, signed_at=signed_at)}"


def file_id_from_token(token: str) -> str:
    """The file id a token names; ``signing.BadSignature`` (``SignatureExpired`` included)
    when it was tampered with or is older than the allowed age."""
    return unsign(token, salt=SALT, max_age_seconds=file_url_max_age())


def remove_stored_file(sender, instance: TemplateFile, **kwargs) -> None:
    """post_delete receiver: the stored file goes when the deleting transaction commits (a
    rollback keeps both the row and the file)."""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
