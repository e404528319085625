"""Development settings: SQLite by default, DEBUG on, e-mail printed to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
HOME_LINKS_DEMO = env.bool("HOME_LINKS_DEMO", default=True)
