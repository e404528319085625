import pytest


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Every test stores its files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
