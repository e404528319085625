"""Template upload (SPEC §5): validation of every file by its content, storage, limits,
cleanup on failure and Idempotency-Key."""

import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from templates.models import IdempotencyRecord, Template, TemplateFile
from templates.services import template_upload
from tests.projects.factories import make_project
from tests.templates.helpers import FIXTURES, fixture_file, stored_files, upload_form

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def project(org):
    return make_project(org)


@pytest.fixture
def developer(users, client_for):
    return client_for(users["Developer"])


def url(project) -> str:
    return f"/api/Projects/{project.pk}/templates/upload"


def post(client, project, form, **headers):
    return client.post(url(project), form, format="multipart", **headers)


def assert_field_error(response, field: str, status: int = 400) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "invalid_request"
    assert set(body["errors"]) == {field}
    return body["errors"][field][0]


def json_file(data, name: str = "file.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(data).encode())


# Success -------------------------------------------------------------------------------


def test_upload_stores_the_template_its_files_and_bindings(project, developer, users, media_root):
    response = post(developer, project, upload_form())

    assert response.status_code == 201, response.content
    body = response.json()
    template = Template.objects.get(pk=body["id"])
    assert (body["name"], body["version"], body["kind"], body["status"]) == (
        "Welcome video",
        "1.0",
        "LottieStandalone",
        "Testing",
    )
    assert body["wasProduction"] is False
    assert body["createdBy"] == str(users["Developer"].pk)
    assert body["createdByName"] == users["Developer"].display_name
    assert [binding["key"] for binding in body["bindings"]] == [
        "firstName",
        "photo",
        "badgeColour",
    ]
    assert body["bindings"][2]["default"] == "#ff0000"
    roles = {file["role"]: file for file in body["files"]}
    assert set(roles) == {"templateJson", "manifestJson", "poster"}
    lottie = (FIXTURES / "lottie.json").read_bytes()
    assert roles["templateJson"]["size"] == len(lottie)
    assert roles["templateJson"]["sha256"] == hashlib.sha256(lottie).hexdigest()
    assert roles["poster"]["contentType"] == "image/png"
    assert roles["templateJson"]["url"].startswith("/api/files/")
    prefix = f"org/{project.organization_id}/projects/{project.pk}/templates/{template.pk}/"
    for file in TemplateFile.objects.filter(template=template):
        assert file.file.name.startswith(prefix)
        assert (media_root / file.file.name).read_bytes() == file.file.open("rb").read()
    assert len(stored_files(media_root)) == 3


def test_raster_upload_keeps_video_and_overlay(project, developer):
    response = post(developer, project, upload_form("Raster"))

    assert response.status_code == 201, response.content
    roles = {file["role"] for file in response.json()["files"]}
    assert roles == {"templateJson", "manifestJson", "overlayJson", "video", "poster"}


def test_asset_files_are_stored_each_with_its_checksum(project, developer):
    form = upload_form(
        assetFiles=[fixture_file("poster.png", "logo.png"), fixture_file("overlay.json", "a.json")]
    )

    response = post(developer, project, form)

    assert response.status_code == 201, response.content
    assets = [file for file in response.json()["files"] if file["role"] == "asset"]
    assert sorted(file["name"] for file in assets) == ["a.json", "logo.png"]


def test_version_defaults_to_1_0_and_manifest_is_optional(project, developer):
    response = post(developer, project, upload_form(version=None, manifestJson=None))

    assert response.status_code == 201, response.content
    assert response.json()["version"] == "1.0"
    assert response.json()["bindings"] == []


def test_upload_records_an_audit_event(project, developer):
    response = post(developer, project, upload_form())

    event = AuditEvent.objects.get(event_type="TEMPLATE_UPLOADED")
    assert event.project_id == project.pk
    assert {"type": "template", "id": response.json()["id"]}.items() <= event.targets[0].items()


def test_the_project_can_be_named_by_slug(project, developer):
    response = developer.post(
        f"/api/Projects/{project.slug}/templates/upload", upload_form(), format="multipart"
    )

    assert response.status_code == 201, response.content


# Validation: each failure names its field --------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "kind", "field"),
    [
        ({"name": ""}, "LottieStandalone", "name"),
        ({"version": "1"}, "LottieStandalone", "version"),
        ({"version": "1.0.3"}, "LottieStandalone", "version"),
        ({"version": "v1.2"}, "LottieStandalone", "version"),
        ({}, "Gif", "kind"),
        ({"templateJson": None}, "LottieStandalone", "templateJson"),
        ({"templateJson": None}, "Raster", "templateJson"),
        ({"videoFile": None}, "Raster", "videoFile"),
        ({"overlayJson": fixture_file("overlay.json")}, "LottieStandalone", "overlayJson"),
        ({"templateJson": fixture_file("truncated.json")}, "LottieStandalone", "templateJson"),
        (
            {"templateJson": fixture_file("lottie_missing_keys.json")},
            "LottieStandalone",
            "templateJson",
        ),
        (
            {"manifestJson": fixture_file("manifest_missing_layer.json")},
            "LottieStandalone",
            "manifestJson",
        ),
        ({"videoFile": fixture_file("png_renamed.mp4")}, "Raster", "videoFile"),
        ({"posterFile": fixture_file("text_named.png")}, "LottieStandalone", "posterFile"),
        ({"overlayJson": fixture_file("truncated.json")}, "Raster", "overlayJson"),
    ],
)
def test_invalid_upload_names_the_field(overrides, kind, field, project, developer, media_root):
    form = upload_form(kind, **overrides)

    response = post(developer, project, form)

    assert_field_error(response, field)
    assert not Template.objects.exists()
    assert stored_files(media_root) == []


def test_missing_layer_error_names_the_layer(project, developer):
    form = upload_form(manifestJson=fixture_file("manifest_missing_layer.json"))

    message = assert_field_error(post(developer, project, form), "manifestJson")

    assert "surname" in message


def test_binding_may_point_at_a_layer_of_a_precomposition(project, developer):
    manifest = {"bindings": [{"key": "c", "layer": "badge", "type": "color", "required": False}]}

    response = post(developer, project, upload_form(manifestJson=json_file(manifest)))

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "manifest",
    [
        [],
        {"bindings": [], "extra": 1},
        {"bindings": {}},
        {"bindings": ["headline"]},
        {"bindings": [{"key": "a", "layer": "headline", "type": "text"}]},
        {"bindings": [{"key": "a", "layer": "headline", "type": "video", "required": True}]},
        {"bindings": [{"key": "a", "layer": "headline", "type": "text", "required": "yes"}]},
        {"bindings": [{"key": "", "layer": "headline", "type": "text", "required": True}]},
        {"bindings": [{"key": "a", "layer": 3, "type": "text", "required": True}]},
        {"bindings": [{"key": "a", "layer": "headline", "type": "text", "required": True, "x": 1}]},
        {
            "bindings": [
                {"key": "a", "layer": "headline", "type": "text", "required": True},
                {"key": "a", "layer": "photo", "type": "image", "required": True},
            ]
        },
    ],
)
def test_manifest_must_have_exactly_the_documented_shape(manifest, project, developer):
    response = post(developer, project, upload_form(manifestJson=json_file(manifest)))

    assert_field_error(response, "manifestJson")


def test_lottie_layers_must_be_a_list(project, developer):
    lottie = json.loads((FIXTURES / "lottie.json").read_text()) | {"layers": {}}

    response = post(developer, project, upload_form(templateJson=json_file(lottie)))

    assert_field_error(response, "templateJson")


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_a_400_not_a_crash(depth, project, developer):
    nested = SimpleUploadedFile("deep.json", b"[" * depth + b"]" * depth)

    response = post(developer, project, upload_form(templateJson=nested))

    assert "nested" in assert_field_error(response, "templateJson")


def test_huge_json_is_refused_with_400(project, developer, settings):
    settings.MAX_TEMPLATE_JSON_BYTES = 200

    response = post(developer, project, upload_form())

    body = response.json()
    assert response.status_code == 400, body
    assert set(body["errors"]) == {"templateJson", "manifestJson"}  # both are too big


def test_lottie_standalone_refuses_a_video(project, developer):
    response = post(developer, project, upload_form(videoFile=fixture_file("video.mp4")))

    assert_field_error(response, "videoFile")


def test_duplicate_name_and_version_is_a_409(project, developer, media_root):
    assert post(developer, project, upload_form()).status_code == 201

    response = post(developer, project, upload_form())

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Template.objects.count() == 1
    assert len(stored_files(media_root)) == 3


def test_same_name_with_another_version_is_fine(project, developer):
    assert post(developer, project, upload_form()).status_code == 201

    assert post(developer, project, upload_form(version="1.1")).status_code == 201


def test_an_archived_project_takes_no_upload(project, users, developer):
    from projects.services import project_archive

    project_archive(actor=Actor.for_user(users["OrganizationAdmin"]), project=project)

    response = post(developer, project, upload_form())

    assert response.status_code == 409


# Size and cleanup -----------------------------------------------------------------------


def test_oversize_upload_is_413_and_leaves_nothing(project, developer, settings, media_root):
    settings.MAX_UPLOAD_BYTES = 500

    response = post(developer, project, upload_form("Raster"))

    assert response.status_code == 413, response.content
    assert response.json()["code"] == "payload_too_large"
    assert not Template.objects.exists()
    assert not TemplateFile.objects.exists()
    assert stored_files(media_root) == []


def test_declared_body_over_the_limit_is_refused_before_reading(
    project, developer, settings, media_root
):
    settings.MAX_REQUEST_BODY_BYTES = 1000

    response = post(developer, project, upload_form("Raster"))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Template.objects.exists()
    assert stored_files(media_root) == []


def test_large_files_stream_to_temporary_files(settings):
    # Uploads larger than this are written to disk as they arrive, not held in memory.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2621440


def test_failure_after_files_were_saved_leaves_neither_rows_nor_files(project, users, media_root):
    def broken(template):
        raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError):
        template_upload(
            actor=Actor.for_user(users["Developer"]),
            project=project,
            name="Welcome video",
            kind="LottieStandalone",
            template_json=fixture_file("lottie.json"),
            manifest_json=fixture_file("manifest.json"),
            poster_file=fixture_file("poster.png"),
            respond=broken,
        )

    assert not Template.objects.exists()
    assert not TemplateFile.objects.exists()
    assert not AuditEvent.objects.filter(event_type="TEMPLATE_UPLOADED").exists()
    assert stored_files(media_root) == []


# Idempotency-Key ------------------------------------------------------------------------


def test_same_key_and_request_returns_the_first_response(project, developer):
    first = post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Template.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="TEMPLATE_UPLOADED").count() == 1


def test_same_key_with_another_request_is_a_409(project, developer):
    assert post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201

    response = post(developer, project, upload_form(version="2.0"), HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Template.objects.count() == 1


def test_same_key_with_other_file_content_is_a_409(project, developer):
    assert post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    other = fixture_file("poster.png")
    other = SimpleUploadedFile("poster.png", other.read() + b"\0")

    response = post(developer, project, upload_form(posterFile=other), HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 409


def test_keys_are_scoped_to_the_project(org, developer):
    first, second = make_project(org, name="A"), make_project(org, name="B")

    assert post(developer, first, upload_form(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert post(developer, second, upload_form(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_a_failed_request_is_not_remembered(project, developer):
    bad = post(developer, project, upload_form(version="x"), HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400

    assert post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201


# Idempotency-Key scope and expiry (SPEC §16) ------------------------------------------------


def test_another_caller_s_key_is_another_key(project, developer, users, client_for):
    """Issue 17: a ProjectManager repeating a Developer's key got the Developer's 201."""
    manager = client_for(users["ProjectManager"])
    assert post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201

    same = post(manager, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k")
    assert same.status_code == 409  # run, not replayed: that version exists
    assert "Idempotent-Replayed" not in same
    other = post(manager, project, upload_form(version="2.0"), HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 201  # not "key used for another request"
    assert "Idempotent-Replayed" not in other
    assert IdempotencyRecord.objects.filter(key="k").count() == 2


def test_the_same_person_s_other_token_shares_the_key(project, developer, users, client_for):
    first = post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k")
    again = post(client_for(users["Developer"]), project, upload_form(), HTTP_IDEMPOTENCY_KEY="k")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_a_key_expires_after_24_hours(project, developer):
    assert post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    response = post(developer, project, upload_form(version="2.0"), HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.get().body["version"] == "2.0"


def test_a_key_younger_than_24_hours_still_replays(project, developer):
    assert post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    response = post(developer, project, upload_form(), HTTP_IDEMPOTENCY_KEY="k")
    assert response["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("command", ["purge_idempotency_keys", "purge_trash"])
def test_expired_keys_are_purged_by_a_command(command, project, developer):
    for key in ("old", "fresh"):
        assert (
            post(
                developer, project, upload_form(version=f"1.{len(key)}"), HTTP_IDEMPOTENCY_KEY=key
            ).status_code
            == 201
        )
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(days=2)
    )
    out = StringIO()

    call_command(command, stdout=out)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert "Deleted 1 expired Idempotency-Key record." in out.getvalue()


# Every mistake in one answer (SPEC §16) --------------------------------------------------------


def test_five_mistakes_get_five_errors_in_one_400(project, developer):
    form = {
        "name": "",
        "version": "one",
        "manifestJson": json_file({"bindings": "nope"}),
        "posterFile": SimpleUploadedFile("poster.png", b"not an image"),
    }

    response = post(developer, project, form)

    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == "invalid_request"
    assert set(body["errors"]) == {"name", "version", "kind", "templateJson", "posterFile"}
    assert not Template.objects.exists()


def test_a_missing_kind_says_it_is_required(project, developer):
    form = upload_form()
    del form["kind"]

    message = assert_field_error(post(developer, project, form), "kind")

    assert message.startswith("This field is required")
    assert "LottieStandalone, Raster" in message


def test_an_unknown_kind_lists_the_kinds(project, developer):
    message = assert_field_error(post(developer, project, upload_form(kind="Video")), "kind")

    assert "LottieStandalone, Raster" in message
