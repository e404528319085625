"""The landing page's and the manifest's rows cached in Redis (SPEC §16 "Public surfaces at
scale"): a hit reads no database, and every write path that changes what the pages show is
seen by the very next request."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.services import organization_update
from credentials.services import credential_create, credential_revoke
from projects.services import (
    project_archive,
    project_delete,
    project_purge,
    project_restore,
    project_trash,
    project_update,
)
from shares.models import DistributionChannel
from shares.public_cache import GENERATION_KEY
from shares.services import (
    channel_publish,
    channel_unpublish,
    share_disable,
    share_restore,
    share_rotate_slug,
    share_upsert,
)
from tests.redis_cache import keys
from tests.shares.public_helpers import SYSTEM, make_share, published_project, upload_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(org, redis_cache, settings):
    settings.PUBLIC_RATE_LIMIT = (10_000, 60)
    settings.CREDENTIAL_RATE_LIMIT = (10_000, 60)
    project, template = published_project(org)
    credential = credential_create(actor=SYSTEM, project=project, name="web")
    share = make_share(project)
    handle = DistributionChannel.objects.get(project=project, channel="PROD").channel_handle
    return {
        "org": org,
        "project": project,
        "template": template,
        "share": share,
        "key": credential.credential.api_key,
        "credential": credential.credential,
        "handle": handle,
    }


def page(world, slug=None):
    return Client().get(f"/v/{slug or world['share'].slug}")


def manifest(world):
    return Client().get(
        f"/embed/v1/manifest?channelHandle={world['handle']}",
        HTTP_X_PERCUS_API_KEY=world["key"],
    )


def warm(world) -> None:
    """Both rows in the cache: the next reads must run no query."""
    page(world)
    manifest(world)
    with CaptureQueriesContext(connection) as queries:
        assert page(world).status_code == 200
        assert manifest(world).status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_hit_reads_no_database(world, django_assert_num_queries):
    with django_assert_num_queries(1):  # the miss: one statement
        assert page(world).status_code == 200
    with django_assert_num_queries(0):
        response = page(world)
    assert response.status_code == 200
    assert "Your offer" in response.content.decode()
    with django_assert_num_queries(0):
        assert Client().get(f"/v/{world['share'].slug}/cta").status_code == 302
    manifest(world)
    with django_assert_num_queries(0):
        assert manifest(world).json()["templateId"] == str(world["template"].pk)


def test_unknown_slugs_and_keys_are_cached_too(world, django_assert_num_queries):
    assert page(world, "no-such-slug").status_code == 404
    with django_assert_num_queries(0):
        assert page(world, "no-such-slug").status_code == 404
    with django_assert_num_queries(0):  # not a slug at all: never read
        assert page(world, "not%20a%20slug").status_code == 404


def test_a_credential_page_marks_it_used_once_a_minute_without_a_query_between(world):
    share = share_upsert(
        actor=SYSTEM,
        project=world["project"],
        channel="PROD",
        fields={"public_title": "Offer", "api_credential_id": str(world["credential"].pk)},
    ).share
    assert page(world, share.slug).status_code == 200
    world["credential"].refresh_from_db()
    first = world["credential"].last_used_at
    assert first is not None
    # The cached row still says "never used": the minute's claim in Redis stops the writes.
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert page(world, share.slug).status_code == 200
    assert len(queries) == 0
    world["credential"].refresh_from_db()
    assert world["credential"].last_used_at == first


def test_entries_expire_and_follow_the_generation(world, redis_cache):
    warm(world)
    entries = keys(redis_cache, "public:landing:*") + keys(redis_cache, "public:embed:*")
    assert len(entries) == 2
    generation = int(redis_cache.get(redis_cache_key(GENERATION_KEY)) or 0)
    assert all(entry.split(":")[2] == str(generation) for entry in entries)
    assert all(0 < redis_cache.ttl(redis_cache_key(entry)) <= 300 for entry in entries)


def redis_cache_key(key: str) -> str:
    from django.core.cache import caches

    return caches["default"].make_key(key)


# Every write path: the very next request shows the change ------------------------------------


def _edit_share(w):
    share_upsert(
        actor=SYSTEM, project=w["project"], channel="PROD", fields={"public_title": "New offer"}
    )
    assert "New offer" in page(w).content.decode()


def _disable(w):
    share_disable(actor=SYSTEM, project=w["project"], channel="PROD")
    assert page(w).status_code == 410


def _restore(w):
    share_disable(actor=SYSTEM, project=w["project"], channel="PROD")
    assert page(w).status_code == 410
    share_restore(actor=SYSTEM, project=w["project"], channel="PROD")
    assert page(w).status_code == 200


def _rotate(w):
    rotated = share_rotate_slug(actor=SYSTEM, project=w["project"], channel="PROD")
    assert page(w, rotated.previous_slug).status_code == 404
    assert page(w, rotated.share.slug).status_code == 200


def _unpublish(w):
    channel_unpublish(actor=SYSTEM, project=w["project"], channel="PROD")
    assert page(w).status_code == 404
    assert manifest(w).status_code == 404


def _publish(w):
    second = upload_template(w["project"], version="2.0")
    channel_publish(actor=SYSTEM, project=w["project"], channel="PROD", template_id=second.pk)
    assert str(second.files.get(role="template_json").pk) in page(w).content.decode()
    assert manifest(w).json()["templateVersion"] == second.version


def _archive(w):
    project_archive(actor=SYSTEM, project=w["project"])
    assert page(w).status_code == 404
    assert manifest(w).status_code == 404


def _trash_and_restore(w):
    project_trash(actor=SYSTEM, project=w["project"])
    assert page(w).status_code == 404
    assert manifest(w).status_code == 401
    project_restore(actor=SYSTEM, project=w["project"])
    assert page(w).status_code == 200
    assert manifest(w).status_code == 200


def _purge(w):
    project_archive(actor=SYSTEM, project=w["project"])  # PROD stops serving first
    project = project_trash(actor=SYSTEM, project=w["project"])
    warm_page = page(w)
    assert warm_page.status_code == 404
    project_purge(actor=SYSTEM, root=project)
    response = page(w)
    assert response.status_code == 404
    assert manifest(w).status_code == 401


def _delete(w):
    project_archive(actor=SYSTEM, project=w["project"])
    page(w)
    project_delete(actor=SYSTEM, project=w["project"])
    assert page(w).status_code == 404
    assert manifest(w).status_code == 401


def _project_locale(w):
    share_upsert(actor=SYSTEM, project=w["project"], channel="PROD", fields={"public_title": "x"})
    page(w)
    page(w)
    project_update(actor=SYSTEM, project=w["project"], locale="pt-BR")
    assert '<html lang="pt-BR">' in page(w).content.decode()


def _organization_locale(w):
    organization_update(actor=SYSTEM, organization=w["org"], default_locale="pt-PT")
    assert '<html lang="pt-PT">' in page(w).content.decode()


def _revoke(w):
    share_upsert(
        actor=SYSTEM,
        project=w["project"],
        channel="PROD",
        fields={"public_title": "Offer", "api_credential_id": str(w["credential"].pk)},
    )
    page(w)
    page(w)
    credential_revoke(actor=SYSTEM, credential=w["credential"])
    assert page(w).status_code == 404
    assert manifest(w).status_code == 401


def _expire(w):
    # Expiry needs no write: the cached row carries expiresAt, compared on each request.
    w["credential"].expires_at = timezone.now() + timedelta(seconds=1.5)
    w["credential"].save(update_fields=["expires_at"])
    assert manifest(w).status_code == 200
    time.sleep(1.6)
    with CaptureQueriesContext(connection) as queries:
        assert manifest(w).status_code == 401
    assert len(queries) == 0


def _template_row(w):
    # A change to the shown template outside the services (the admin's save) is seen too.
    template = w["template"]
    template.version = "1.1"
    template.save(update_fields=["version"])
    assert manifest(w).json()["templateVersion"] == "1.1"


def _branding(w):
    from shares.services import branding_update

    branding_update(actor=SYSTEM, organization=w["org"], fields={"display_name": "Andino Pro"})
    assert '<span class="brand-name">Andino Pro</span>' in page(w).content.decode()


WRITES = {
    "organization branding": _branding,
    "share upsert": _edit_share,
    "share disable": _disable,
    "share restore": _restore,
    "slug rotation": _rotate,
    "channel unpublish": _unpublish,
    "channel publish": _publish,
    "project archive": _archive,
    "project trash and restore": _trash_and_restore,
    "project purge": _purge,
    "project delete": _delete,
    "project locale": _project_locale,
    "organization locale": _organization_locale,
    "credential revoke": _revoke,
    "credential expiry": _expire,
    "template saved": _template_row,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_very_next_request_shows_the_change(world, write):
    warm(world)
    write(world)


def test_a_rolled_back_change_does_not_invalidate(world, redis_cache):
    from django.db import transaction

    warm(world)
    before = redis_cache.get(redis_cache_key(GENERATION_KEY))

    def disable_then_fail():
        with transaction.atomic():
            share_disable(actor=SYSTEM, project=world["project"], channel="PROD")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        disable_then_fail()
    assert redis_cache.get(redis_cache_key(GENERATION_KEY)) == before
    with CaptureQueriesContext(connection) as queries:
        assert page(world).status_code == 200
    assert len(queries) == 0


def test_a_transaction_of_many_changes_bumps_the_generation_once(world, redis_cache):
    from django.db import transaction

    before = int(redis_cache.get(redis_cache_key(GENERATION_KEY)) or 0)
    with transaction.atomic():
        share_disable(actor=SYSTEM, project=world["project"], channel="PROD")
        share_restore(actor=SYSTEM, project=world["project"], channel="PROD")
        project_update(actor=SYSTEM, project=world["project"], locale="en-GB")
    assert int(redis_cache.get(redis_cache_key(GENERATION_KEY))) == before + 1


def test_the_hot_path_keeps_the_rate_limit(world, settings):
    settings.PUBLIC_RATE_LIMIT = (3, 60)
    web = Client()
    statuses = [web.get(f"/v/{world['share'].slug}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = web.get(f"/v/{world['share'].slug}")
    assert refused["Retry-After"] == "60"
    from shares.counting import share_counts

    assert share_counts(world["share"].pk) == (3, 0)  # refused requests aren't views


def test_a_hit_on_a_page_that_became_unavailable_counts_nothing(world):
    from shares.counting import share_counts

    share = share_upsert(
        actor=SYSTEM,
        project=world["project"],
        channel="PROD",
        fields={"public_title": "Offer", "api_credential_id": str(world["credential"].pk)},
    ).share
    world["credential"].expires_at = timezone.now() + timedelta(seconds=1.5)
    world["credential"].save(update_fields=["expires_at"])
    assert page(world, share.slug).status_code == 200
    assert page(world, share.slug).status_code == 200  # a hit
    time.sleep(1.6)
    with CaptureQueriesContext(connection) as queries:
        assert page(world, share.slug).status_code == 404  # a hit, now expired
    assert len(queries) == 0
    assert share_counts(share.pk) == (2, 0)
    assert Client().get(f"/v/{share.slug}/cta").status_code == 404
    assert share_counts(share.pk) == (2, 0)
