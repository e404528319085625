"""Every model of the product has a deliberate admin, and every changelist opens."""

import pytest
from django.apps import apps
from django.contrib import admin

pytestmark = pytest.mark.django_db

PRODUCT_APPS = [
    "backoffice",
    "projects",
    "video_templates",
    "shares",
    "credentials",
    "collaboration",
    "webhooks",
]
#: Shown only inline on their parent's page.
INLINE_ONLY = {"video_templates.TemplateFile"}


def product_models():
    return [model for label in PRODUCT_APPS for model in apps.get_app_config(label).get_models()]


def test_every_product_model_is_registered():
    missing = {
        model._meta.label
        for model in product_models()
        if model not in admin.site._registry and model._meta.label not in INLINE_ONLY
    }
    assert missing == set()


@pytest.mark.parametrize(
    "model",
    [model for model in product_models() if model._meta.label not in INLINE_ONLY],
    ids=lambda model: model._meta.label,
)
def test_every_changelist_opens_for_the_owner(model, client, users):
    client.force_login(users["Owner"])
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert client.get(url).status_code == 200
