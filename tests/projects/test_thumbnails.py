"""Project thumbnails (SPEC §10): from a template's poster or an uploaded image, three
renditions made with Pillow, removal, bad input, the role matrix, and the list's query count."""

import io

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from projects.models import Project
from projects.services import project_archive, project_thumbnail_set
from templates.constants import FileRole
from templates.files import file_token
from templates.models import TemplateFile
from tests.conftest import PRINCIPALS
from tests.projects.factories import make_project
from tests.projects.test_api import assert_problem
from tests.templates.helpers import make_template, stored_files

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(width=400, height=200, fmt="PNG", name="picture.png"):
    return SimpleUploadedFile(name, png(width, height, fmt), content_type="image/png")


def sizes(project: Project) -> dict[str, tuple[int, int]]:
    project.refresh_from_db()
    out = {}
    for name, path in project.thumbnail_paths.items():
        with default_storage.open(path, "rb") as stored:
            out[name] = Image.open(stored).size
    return out


def test_upload_makes_three_renditions_of_the_right_size(users, client_for, org):
    project = make_project(org)
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail", {"image": upload(400, 200)}, format="multipart"
    )
    assert response.status_code == 200, response.content
    thumbnails = response.json()["thumbnails"]
    assert all(
        thumbnails[name].startswith("http://testserver/api/thumbnails/") for name in thumbnails
    )
    assert sizes(project) == {"small": (64, 32), "medium": (256, 128), "large": (1024, 512)}
    assert AuditEvent.objects.filter(event_type="THUMBNAIL_SET", project_id=project.pk).exists()


def test_portrait_jpeg_keeps_its_aspect(users, client_for, org):
    project = make_project(org)
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail",
        {"image": upload(300, 600, "JPEG", "photo.jpg")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert sizes(project) == {"small": (32, 64), "medium": (128, 256), "large": (512, 1024)}


def test_thumbnail_from_a_template_poster(users, client_for, org):
    project = make_project(org)
    template = make_template(project)  # the fixture poster is 32 x 18
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail", {"templateId": str(template.pk)}, format="json"
    )
    assert response.status_code == 200, response.content
    assert sizes(project) == {"small": (64, 36), "medium": (256, 144), "large": (1024, 576)}


def test_template_of_another_project_is_400(users, client_for, org):
    project, other = make_project(org, name="Mine"), make_project(org, name="Other")
    template = make_template(other)
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail", {"templateId": str(template.pk)}, format="json"
    )
    body = assert_problem(response, 400, "invalid_request")
    assert "templateId" in body["errors"]


def test_template_without_a_poster_is_400(
    users, client_for, org, django_capture_on_commit_callbacks
):
    project = make_project(org)
    template = make_template(project)
    with django_capture_on_commit_callbacks(execute=True):
        TemplateFile.objects.filter(template=template, role=FileRole.POSTER).delete()
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail", {"templateId": str(template.pk)}, format="json"
    )
    assert_problem(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "content",
    [b"not an image at all", png(40, 40)[:60], b"GIF89a" + b"\x00" * 20],
    ids=["text", "truncated-png", "broken-gif"],
)
def test_bad_image_is_400_and_leaves_nothing(users, client_for, org, media_root, content):
    project = make_project(org)
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail",
        {"image": SimpleUploadedFile("x.png", content, content_type="image/png")},
        format="multipart",
    )
    body = assert_problem(response, 400, "invalid_request")
    assert "image" in body["errors"]
    assert stored_files(media_root) == []


def test_neither_or_both_sources_is_400(users, client_for, org):
    project = make_project(org)
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail", {}, format="json"
    )
    assert_problem(response, 400, "invalid_request")


def test_replacing_and_removing_delete_the_stored_files(
    users, client_for, org, media_root, django_capture_on_commit_callbacks
):
    project = make_project(org)
    client = client_for(users["ProjectManager"])
    url = f"/api/Projects/{project.pk}/thumbnail"
    with django_capture_on_commit_callbacks(execute=True):
        client.put(url, {"image": upload()}, format="multipart")
        client.put(url, {"image": upload(100, 100)}, format="multipart")
    assert len(stored_files(media_root)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(url)
    assert response.status_code == 200
    assert response.json()["thumbnails"] == {"small": None, "medium": None, "large": None}
    assert stored_files(media_root) == []
    assert AuditEvent.objects.filter(event_type="THUMBNAIL_REMOVED").count() == 1
    assert_problem(client.delete(url), 400, "invalid_request")


def test_archived_project_thumbnail_is_refused(users, client_for, org):
    project = make_project(org)
    project_archive(actor=SYSTEM, project=project)
    response = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/thumbnail", {"image": upload()}, format="multipart"
    )
    assert_problem(response, 409, "conflict")


def test_list_with_thumbnails_runs_a_constant_number_of_queries(users, client_for, org):
    client = client_for(users["Viewer"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/Projects")
            assert response.status_code == 200
        return len(queries)

    project_thumbnail_set(actor=SYSTEM, project=make_project(org, name="First"), image=png(8, 8))
    count()  # the first request also records the token's last use
    few = count()
    for n in range(6):
        project = make_project(org, name=f"Project {n}")
        project_thumbnail_set(actor=SYSTEM, project=project, image=png(8, 8))
    assert count() == few
    items = client.get("/api/Projects").json()["items"]
    assert all(item["thumbnails"]["small"] for item in items)


# Signed URLs -------------------------------------------------------------------------------


def _thumbnail_url(users, client_for, org) -> str:
    project = make_project(org)
    project_thumbnail_set(actor=SYSTEM, project=project, image=png(400, 200))
    body = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}").json()
    return body["thumbnails"]["medium"]


def test_a_thumbnail_url_serves_the_png_without_a_login(users, client_for, org, anon):
    url = _thumbnail_url(users, client_for, org)

    response = anon.get(url)  # an <img> sends no credentials

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(data)).size == (256, 128)


def test_a_tampered_thumbnail_url_is_refused(users, client_for, org, anon):
    url = _thumbnail_url(users, client_for, org)
    token = url.rsplit("/", 1)[1]
    value, rest = token.split(":", 1)
    large = signing.b64_decode(value.encode()).decode().replace("medium", "large")
    forged = url.replace(token, f"{signing.b64_encode(large.encode()).decode()}:{rest}")

    assert_problem(anon.get(forged), 403, "invalid_file_token")
    assert_problem(anon.get(url + "x"), 403, "invalid_file_token")


def test_an_expired_thumbnail_url_is_refused(users, client_for, org, anon, settings):
    url = _thumbnail_url(users, client_for, org)
    settings.TEMPLATE_FILE_URL_MAX_AGE = -1

    assert_problem(anon.get(url), 403, "invalid_file_token")


def test_a_template_file_token_opens_no_thumbnail(users, client_for, org, anon):
    project = make_project(org)
    project_thumbnail_set(actor=SYSTEM, project=project, image=png(8, 8))
    project.refresh_from_db()

    encoded = signing.b64_encode(project.thumbnail_small.encode()).decode()

    response = anon.get(f"/api/thumbnails/{file_token(encoded)}")

    assert_problem(response, 403, "invalid_file_token")


def test_a_removed_thumbnail_is_not_found(users, client_for, org, anon, media_root):
    url = _thumbnail_url(users, client_for, org)
    for path in list(media_root.rglob("*.png")):
        path.unlink()

    assert_problem(anon.get(url), 404, "not_found")


# Role matrix -------------------------------------------------------------------------------

#            Viewer Dev  PM  Admin Owner other anon
MATRIX = {
    "put": (403, 403, 200, 200, 200, 404, 401),
    "delete": (403, 403, 200, 200, 200, 404, 401),
}


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("method", list(MATRIX))
def test_role_matrix(client_as, org, method, who):
    project = make_project(org)
    if method == "delete":
        project_thumbnail_set(actor=SYSTEM, project=project, image=png(8, 8))
    client = client_as(who)
    url = f"/api/Projects/{project.pk}/thumbnail"
    if method == "put":
        response = client.put(url, {"image": upload()}, format="multipart")
    else:
        response = client.delete(url)
    expected = MATRIX[method][PRINCIPALS.index(who)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        code = {401: "unauthenticated", 403: "insufficient_role", 404: "not_found"}[expected]
        assert_problem(response, expected, code)
