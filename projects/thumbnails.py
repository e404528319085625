"""Thumbnail renditions of a project, made with Pillow and kept in the default storage under
the project's folder (``org/<org>/projects/<project>/thumbnails/``), served through signed,
short-lived URLs (``/api/thumbnails/<token>``) like template files."""

import io
import secrets
import warnings

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from backoffice.errors import InvalidRequest
from backoffice.signed_urls import sign, unsign

#: Longest side, in pixels, of each rendition.
RENDITIONS = {"small": 64, "medium": 256, "large": 1024}
#: Larger images are refused before decoding (a decompression bomb guard).
MAX_PIXELS = 50_000_000


def _bad_image(field: str) -> InvalidRequest:
    return InvalidRequest.for_field(field, "Not an image Pillow can read (PNG, JPEG, WebP, GIF).")


def open_image(data: bytes, field: str = "image") -> Image.Image:
    """The decoded image, verified by content (never by name); 400 when it is not one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).verify()  # structure check; the image is then unusable
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise InvalidRequest.for_field(field, "The image is too large (pixels).")
            image.load()
    except InvalidRequest:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise _bad_image(field) from None
    return ImageOps.exif_transpose(image)


def render(image: Image.Image, size: int) -> bytes:
    """A PNG whose longest side is ``size`` pixels, aspect kept."""
    image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    scale = size / max(image.width, image.height)
    dimensions = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    out = io.BytesIO()
    image.resize(dimensions, Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def store_renditions(project, image: Image.Image) -> dict[str, str]:
    """Save the three renditions; returns their storage names. A fresh random part per set
    makes the URLs change with the image (caches never show the old one)."""
    folder = f"org/{project.organization_id}/projects/{project.pk}/thumbnails"
    stamp = secrets.token_hex(8)
    return {
        name: default_storage.save(f"{folder}/{stamp}-{name}.png", ContentFile(render(image, size)))
        for name, size in RENDITIONS.items()
    }


#: Thumbnail tokens sign a storage name under this salt: a template file's token opens no
#: thumbnail and the other way round.
SALT = "project-thumbnail"
FOLDER = "/thumbnails/"


def thumbnail_url(path: str, *, signed_at: int | None = None) -> str:
    # The storage name travels URL-safe base64 encoded: one path segment, no slashes.
    encoded = signing.b64_encode(path.encode()).decode()
    return f"/api/thumbnails/{sign(encoded, salt=SALT, signed_at=signed_at)}"


def thumbnail_path_from_token(token: str) -> str:
    """The storage name a token names; ``signing.BadSignature`` (``SignatureExpired``
    included) when it was tampered with or has expired."""
    return signing.b64_decode(unsign(token, salt=SALT).encode()).decode()


def thumbnail_urls(project) -> dict[str, str | None]:
    """Signed URLs of the renditions (no query: the paths are on the row)."""
    return {
        name: thumbnail_url(path) if path else None
        for name, path in project.thumbnail_paths.items()
    }
