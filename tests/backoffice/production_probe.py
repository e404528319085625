"""Browses the app under the production settings and prints what came back, as JSON.

Run by ``test_production_headers`` in a process of its own (``manage.py shell -c``), since
the production settings can't be loaded beside the test ones. Static files are served by
plain storage here: the manifest storage of production needs ``collectstatic`` first, and
has no say in headers."""

import json
import os
from typing import Any

from django.conf import settings
from django.test import Client, override_settings

HOST = "backoffice.example.com"
HTTPS = {"secure": True, "HTTP_REFERER": f"https://{HOST}/admin/"}


def describe(response) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "headers": dict(response.items()),
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
    }


def browse(email: str, password: str) -> dict[str, Any]:
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=HOST)
    seen = {"plain_http": describe(browser.get("/admin/login/"))}
    seen["login_page"] = describe(browser.get("/admin/login/", **HTTPS))
    form = {"username": email, "password": password, "next": "/admin/"}
    form["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    seen["login"] = describe(browser.post("/admin/login/", form, **HTTPS))
    seen["admin_index"] = describe(browser.get("/admin/", **HTTPS))
    seen["docs"] = describe(browser.get("/api/docs", **HTTPS))
    token = browser.cookies["csrftoken"].value
    body = {"data": {"name": "probe"}, "content_type": "application/json"}
    seen["api_write_without_token"] = describe(browser.post("/api/tokens", **body, **HTTPS))
    seen["api_write_with_token"] = describe(
        browser.post("/api/tokens", **body, HTTP_X_CSRFTOKEN=token, **HTTPS)
    )
    seen["admin_post_without_token"] = describe(browser.post("/admin/logout/", {}, **HTTPS))
    seen["admin_still_logged_in"] = describe(browser.get("/admin/", **HTTPS))
    return seen


def main() -> None:
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
        seen = browse(os.environ["PROBE_EMAIL"], os.environ["PROBE_PASSWORD"])
    print(json.dumps({"debug": settings.DEBUG, **seen}))
