"""Enumerations and limits of templates."""

import re

from django.db import models


class Kind(models.TextChoices):
    LOTTIE_STANDALONE = "LottieStandalone"  # Lottie JSON + optional assets
    RASTER = "Raster"  # MP4 background + Lottie overlay


class Status(models.TextChoices):
    TESTING = "Testing"
    PRODUCTION = "Production"
    PREVIOUS = "Previous"
    ARCHIVED = "Archived"


class FileRole(models.TextChoices):
    TEMPLATE_JSON = "template_json"
    MANIFEST_JSON = "manifest_json"
    OVERLAY_JSON = "overlay_json"
    VIDEO = "video"
    POSTER = "poster"
    ASSET = "asset"


#: File roles as people name them (the admin, a file's name).
FILE_ROLE_LABELS = {
    FileRole.TEMPLATE_JSON: "Animation (Lottie JSON)",
    FileRole.MANIFEST_JSON: "Manifest (JSON)",
    FileRole.OVERLAY_JSON: "Overlay (JSON)",
    FileRole.VIDEO: "Video",
    FileRole.POSTER: "Poster image",
    FileRole.ASSET: "Asset",
}

#: The upload field of each file role (the API's camelCase names).
UPLOAD_FIELD = {
    FileRole.TEMPLATE_JSON: "templateJson",
    FileRole.MANIFEST_JSON: "manifestJson",
    FileRole.OVERLAY_JSON: "overlayJson",
    FileRole.VIDEO: "videoFile",
    FileRole.POSTER: "posterFile",
    FileRole.ASSET: "assetFiles",
}

VERSION_PATTERN = re.compile(r"^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$")
BINDING_TYPES = ("text", "image", "color")
MAX_ASSET_FILES = 200
