"""Text no column can store: PostgreSQL refuses NUL in text, and a lone surrogate has no UTF-8
encoding. Either would reach the database driver and fail there (a 500) if let through."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    return UNSTORABLE.search(value) is not None
