"""Thumbnail renditions of a project, made with Pillow and kept in the default storage under
the project's folder (``org/<org>/projects/<project>/thumbnails/``), served through signed,
short-lived URLs (``/api/thumbnails/<token>``) like template files."""

import io
import math
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
#: ...and so are images whose decoded pixels would take more memory than this: decoding is
#: the one full-size copy made (it is reduced to twice the largest rendition before anything
#: else), so a worker grows by about this much at most on any accepted image
#: (tests/reliability/test_image_memory.py measures it). 3500 x 3500 RGBA fits.
MAX_DECODED_BYTES = 48 * 1024 * 1024
#: Bytes per pixel of Pillow's modes once decoded (others count 4).
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "RGB": 3, "YCbCr": 3}


def _bad_image(field: str) -> InvalidRequest:
    return InvalidRequest.for_field(field, "Not an image Pillow can read (PNG, JPEG, WebP, GIF).")


def open_image(data: bytes, field: str = "image") -> Image.Image:
    """The decoded image, verified by content (never by name), no larger than twice the
    largest rendition; 400 when it is not an image or too large to decode."""
    largest = max(RENDITIONS.values())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).verify()  # structure check; the image is then unusable
            image = Image.open(io.BytesIO(data))
            # JPEG decodes at 1/2, 1/4 or 1/8 scale when that is enough (a no-op otherwise).
            image.draft("RGB", (largest, largest))
            pixels = image.width * image.height
            decoded = pixels * _BYTES_PER_PIXEL.get(image.mode, 4)
            if pixels > MAX_PIXELS or decoded > MAX_DECODED_BYTES:
                raise InvalidRequest.for_field(field, "The image is too large (pixels).")
            image.load()
            factor = math.ceil(max(image.size) / (2 * largest))
            if factor > 1:  # a box reduction first, the large copy freed at once
                image = image.reduce(factor)
            image = ImageOps.exif_transpose(image)
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
    return image


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
