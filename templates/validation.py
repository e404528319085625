"""Checks of uploaded template files, by their content. Each failure names the upload field
(``InvalidRequest.for_field``), so the API answers 400 with ``errors: {field: [message]}``."""

import json
from typing import Any

from PIL import Image

from backoffice.errors import InvalidRequest

from .conf import max_json_bytes
from .constants import BINDING_TYPES

LOTTIE_KEYS = ("v", "fr", "ip", "op", "w", "h", "layers")
BINDING_KEYS = {"key", "layer", "type", "required", "default"}
REQUIRED_BINDING_KEYS = ("key", "layer", "type", "required")
#: ISO BMFF major brands of the MP4 family (ISO/IEC 14496-12/-14, Apple, 3GPP excluded).
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"iso7",
    b"iso8",
    b"iso9",
    b"mp41",
    b"mp42",
    b"mp71",
    b"avc1",
    b"dash",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"f4v ",
    b"mmp4",
    b"MSNV",
    b"NDAS",
    b"qt  ",
}
MAX_JSON_DEPTH = 64


def _depth(value: Any) -> int:
    """Nesting depth, iteratively (a recursive walk would be the crash we guard against)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def read_json(upload, field: str) -> Any:
    """Parse an uploaded JSON file, bounded in size and depth."""
    limit = max_json_bytes()
    if upload.size > limit:
        raise InvalidRequest.for_field(field, f"JSON files are limited to {limit} bytes.")
    upload.seek(0)
    raw = upload.read(limit + 1)
    upload.seek(0)
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InvalidRequest.for_field(field, "The JSON is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRequest.for_field(field, f"Not valid JSON: {error}") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise InvalidRequest.for_field(
            field, f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels."
        )
    return data


def validate_lottie(data: Any, field: str) -> set[str]:
    """A Lottie animation's top-level structure; returns the names (``nm``) of its layers,
    those of precompositions (``assets[].layers``) included."""
    if not isinstance(data, dict):
        raise InvalidRequest.for_field(field, "A Lottie animation is a JSON object.")
    missing = [key for key in LOTTIE_KEYS if key not in data]
    if missing:
        raise InvalidRequest.for_field(
            field, f"Not a Lottie animation: missing top-level keys {', '.join(missing)}."
        )
    if not isinstance(data["layers"], list):
        raise InvalidRequest.for_field(field, "Not a Lottie animation: layers must be a list.")
    layer_lists = [data["layers"]]
    assets = data.get("assets") or []
    if isinstance(assets, list):
        layer_lists += [a["layers"] for a in assets if isinstance(a, dict) and "layers" in a]
    return {
        layer["nm"]
        for layers in layer_lists
        if isinstance(layers, list)
        for layer in layers
        if isinstance(layer, dict) and isinstance(layer.get("nm"), str)
    }


def validate_manifest(data: Any, layer_names: set[str], field: str) -> list[dict[str, Any]]:
    """``{"bindings": [{"key", "layer", "type", "required", "default"?}]}`` and nothing else;
    returns the bindings."""

    def fail(message: str):
        return InvalidRequest.for_field(field, message)

    if not isinstance(data, dict) or set(data) != {"bindings"}:
        raise fail('The manifest is an object with exactly one key, "bindings".')
    bindings = data["bindings"]
    if not isinstance(bindings, list):
        raise fail("bindings must be a list.")
    seen: set[str] = set()
    for index, binding in enumerate(bindings):
        where = f"bindings[{index}]"
        if not isinstance(binding, dict):
            raise fail(f"{where} must be an object.")
        unknown = set(binding) - BINDING_KEYS
        if unknown:
            raise fail(f"{where} has unknown keys: {', '.join(sorted(unknown))}.")
        missing = [key for key in REQUIRED_BINDING_KEYS if key not in binding]
        if missing:
            raise fail(f"{where} lacks {', '.join(missing)}.")
        key, layer = binding["key"], binding["layer"]
        if not isinstance(key, str) or not key.strip():
            raise fail(f"{where}.key must be a non-empty string.")
        if key in seen:
            raise fail(f"{where}.key {key!r} is declared twice.")
        seen.add(key)
        if not isinstance(layer, str):
            raise fail(f"{where}.layer must be a string.")
        if layer not in layer_names:
            raise fail(f"{where}.layer {layer!r} is not a layer (nm) of the animation.")
        if binding["type"] not in BINDING_TYPES:
            raise fail(f"{where}.type must be one of {', '.join(BINDING_TYPES)}.")
        if not isinstance(binding["required"], bool):
            raise fail(f"{where}.required must be true or false.")
    return bindings


def validate_mp4(upload, field: str) -> None:
    """An MP4 by its content: an ISO BMFF ``ftyp`` box first, with an MP4-family brand."""
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if len(head) < 12 or head[4:8] != b"ftyp" or head[8:12] not in MP4_BRANDS:
        raise InvalidRequest.for_field(field, "Not an MP4 video (no MP4 ftyp box).")


def validate_image(upload, field: str) -> str:
    """An image Pillow can open and verify; returns its format (``PNG``, ``JPEG``…)."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds for a broken or hostile file
        raise InvalidRequest.for_field(field, "Not an image that can be read.") from None
    finally:
        upload.seek(0)
    return image_format or ""
