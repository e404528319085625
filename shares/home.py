"""The home page at ``/``: where a newcomer starts. It links the staff admin, the API docs
and, where the demo data is loaded and ``HOME_LINKS_DEMO`` is on (development), the demo's
public landing page. It lives in ``shares``, the highest app, because it names a share."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .demo import demo_share


@require_GET
def home(request):
    share = demo_share() if settings.HOME_LINKS_DEMO else None
    return render(request, "shares/home.html", {"demo_share": share})
