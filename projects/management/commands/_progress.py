"""A plain-text progress bar for operator commands (cron logs keep it readable: one line per
step, no terminal control codes)."""

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
WIDTH = 30


def progress(items: Iterable[T], total: int, write, label=str) -> Iterator[T]:
    """Yield ``items``, writing ``[#####-----]  3/10  <label(item)>`` after each one."""
    for done, item in enumerate(items, start=1):
        yield item
        filled = WIDTH * done // total if total else WIDTH
        bar = "#" * filled + "-" * (WIDTH - filled)
        write(f"[{bar}] {done:>{len(str(total))}}/{total}  {label(item)}")
