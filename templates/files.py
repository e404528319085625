"""Short-lived signed URLs of template files (``/api/files/<token>``), and removing stored
files once their rows are gone."""

import time
from uuid import UUID

from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction

from .conf import file_url_max_age
from .models import TemplateFile

SALT = "template-file"

#: A token carries its signing time rounded down to this many seconds, so a file's URL stays
#: the same for a minute: a page embedding it can be reused and browsers can cache the file.
#: A URL is therefore valid for between ``file_url_max_age() - 59`` and that many seconds.
URL_TIME_STEP = 60


class _SteppedSigner(signing.TimestampSigner):
    def __init__(self, signed_at: int):
        super().__init__(salt=SALT)
        self.signed_at = signed_at

    def timestamp(self) -> str:
        return signing.b62_encode(self.signed_at)


def signing_time() -> int:
    """Now, rounded down to ``URL_TIME_STEP``."""
    return int(time.time()) // URL_TIME_STEP * URL_TIME_STEP


def file_token(file_id: UUID, *, signed_at: int | None = None) -> str:
    signed_at = signing_time() if signed_at is None else signed_at
    return _SteppedSigner(signed_at).sign(str(file_id))


def file_url(file_id: UUID, *, signed_at: int | None = None) -> str:
    return f"/api/files/{file_token(file_id, signed_at=signed_at)}"


def file_id_from_token(token: str) -> str:
    """The file id a token names; ``signing.BadSignature`` (``SignatureExpired`` included)
    when it was tampered with or is older than the allowed age."""
    return signing.TimestampSigner(salt=SALT).unsign(token, max_age=file_url_max_age())


def remove_stored_file(sender, instance: TemplateFile, **kwargs) -> None:
    """post_delete receiver: the stored file goes when the deleting transaction commits (a
    rollback keeps both the row and the file)."""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
