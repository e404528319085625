"""``sweep_upload_temp``: delete the files in ``FILE_UPLOAD_TEMP_DIR`` older than
``--older-than`` minutes (60 by default).

Django deletes an upload's temporary file when the request ends; a worker killed mid-upload
(a timeout, the OOM killer, a deploy) never gets there, and its file (up to
``MAX_REQUEST_BODY_BYTES``) stays. Every upload writes to that one folder, so this command
finds them all. A request that is still reading its body touches its file continuously, so
only files idle for longer than any request lasts are deleted. Safe to run twice at once.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.text import counted


class Command(BaseCommand):
    help = "Delete upload temporary files that no request has touched for N minutes."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Delete files last modified more than MINUTES minutes ago (default 60).",
        )

    def handle(self, *args, older_than: int, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 minute.")
        if not settings.FILE_UPLOAD_TEMP_DIR:
            raise CommandError("FILE_UPLOAD_TEMP_DIR is not set: there is no folder to sweep.")
        folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
        cutoff = time.time() - older_than * 60
        deleted = freed = 0
        for path in folder.iterdir() if folder.is_dir() else ():
            try:
                stat = path.lstat()
                if not path.is_file() or path.is_symlink() or stat.st_mtime >= cutoff:
                    continue
                path.unlink()
            except FileNotFoundError:  # another run, or the request itself, was first
                continue
            deleted += 1
            freed += stat.st_size
        self.stdout.write(
            f"Deleted {counted(deleted, 'upload temporary file')}, {freed} bytes, from {folder}."
        )
