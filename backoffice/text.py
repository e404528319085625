"""Words for people: counts that read as sentences ("1 project", "3 batches")."""


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` with the noun in the right number (English: "-es" after s, x, ch, sh)."""
    if plural is None:
        plural = singular + ("es" if singular.endswith(("s", "x", "ch", "sh")) else "s")
    return f"{number} {singular if number == 1 else plural}"
