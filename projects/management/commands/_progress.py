"""One progress bar for long operator commands, not a line per item.

On a terminal the bar is redrawn in place (carriage return) and names the current item; in
a log (cron, a pipe) it is written at most every tenth of the work, so a run over 100 000
projects adds eleven lines, not 100 000.
"""

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
WIDTH = 30
LOG_STEPS = 10


def bar(done: int, total: int) -> str:
    filled = WIDTH * done // total if total else WIDTH
    return f"[{'#' * filled}{'-' * (WIDTH - filled)}] {done:>{len(str(total))}}/{total}"


def progress(items: Iterable[T], total: int, stream, label=str) -> Iterator[T]:
    """Yield ``items`` while drawing one bar on ``stream`` (a command's ``self.stdout``)."""
    interactive = hasattr(stream, "isatty") and stream.isatty()
    step = max(1, -(-total // LOG_STEPS))  # ceil(total / LOG_STEPS)
    done = 0
    for done, item in enumerate(items, start=1):
        yield item
        if interactive:
            text = f"{bar(done, total)}  {label(item)}"[:120]
            stream.write(f"\r{text:<120}", ending="")
            stream.flush()
        elif done % step == 0 or done == total:
            stream.write(bar(done, total))
    if interactive and done:
        stream.write("")  # end the bar's line
