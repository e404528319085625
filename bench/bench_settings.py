"""The bench servers' settings: production's, plus the reference list's route
(``reference_list``). Only ``bench/run.py`` and ``bench/profile.py`` use it (with ``bench/``
on ``PYTHONPATH``); a deployment of the product never does."""

from backoffice.settings.production import *  # noqa: F403

ROOT_URLCONF = "reference_list"
