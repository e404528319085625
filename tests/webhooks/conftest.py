import pytest

from tests.webhooks.receiver import start_receiver


@pytest.fixture
def receiver():
    """A local webhook receiver (development settings allow loopback http)."""
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()
