"""Running work in many threads at once, against the real database."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_each_together(*works: Callable[[], T], timeout: float = 60) -> list[T]:
    """Call each of ``works`` in its own thread, all released at the same moment; each thread
    closes its own database connection. Returns the results in the order of ``works``; the
    first error of any thread is raised here."""
    barrier = threading.Barrier(len(works))
    results: list[T | None] = [None] * len(works)
    errors: list[BaseException] = []

    def run(index: int, work: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except BaseException as error:  # reported by the calling thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, work)) for index, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]  # every slot was filled


def run_together(work: Callable[[], T], times: int, timeout: float = 60) -> list[T]:
    """Call ``work`` in ``times`` threads released at the same moment (``run_each_together``)."""
    return run_each_together(*[work] * times, timeout=timeout)
