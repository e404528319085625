"""Running the same work in many threads at once, against the real database."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_together(work: Callable[[], T], times: int, timeout: float = 60) -> list[T]:
    """Call ``work`` in ``times`` threads released at the same moment; each thread closes
    its own database connection. Returns the results; any thread's error is raised here."""
    barrier = threading.Barrier(times)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except BaseException as error:  # reported by the calling thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results
