"""Short-lived signed URLs of template files (``/api/files/<token>``), and removing stored
files once their rows are gone."""

from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction

from .conf import file_url_max_age
from .models import TemplateFile

SALT = "template-file"


def file_token(file: TemplateFile) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(file.pk))


def file_url(file: TemplateFile) -> str:
    return f"/api/files/{file_token(file)}"


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
