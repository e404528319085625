"""Writes the files of ``tests/templates/fixtures/`` (kept in the repository; run again only
to change them): ``uv run python tests/templates/make_fixtures.py``."""

import io
import json
import struct
from pathlib import Path

from PIL import Image

HERE = Path(__file__).parent / "fixtures"


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def tiny_mp4() -> bytes:
    """A minimal ISO BMFF file: ``ftyp`` (isom) and a ``moov`` with a movie header."""
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    mvhd = box(
        b"mvhd",
        struct.pack(">B3xIIII", 0, 0, 0, 1000, 1000)  # version, times, timescale, duration
        + struct.pack(">IH10x", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
        + b"\0" * 24
        + struct.pack(">I", 2),  # next track id
    )
    return ftyp + box(b"moov", mvhd)


def lottie() -> dict:
    return {
        "v": "5.7.4",
        "fr": 30,
        "ip": 0,
        "op": 90,
        "w": 1280,
        "h": 720,
        "nm": "Credit card offer",
        "ddd": 0,
        "assets": [
            {"id": "image_0", "w": 200, "h": 200, "u": "images/", "p": "photo.png", "e": 0},
            {
                "id": "comp_0",
                "layers": [{"ddd": 0, "ind": 1, "ty": 4, "nm": "badge", "ks": {}, "shapes": []}],
            },
        ],
        "layers": [
            {
                "ddd": 0,
                "ind": 1,
                "ty": 5,
                "nm": "headline",
                "ks": {},
                "ip": 0,
                "op": 90,
                "st": 0,
                "t": {"d": {"k": [{"s": {"t": "Hola", "s": 48, "f": "Arial"}, "t": 0}]}},
            },
            {"ddd": 0, "ind": 2, "ty": 2, "nm": "photo", "refId": "image_0", "ks": {}},
            {"ddd": 0, "ind": 3, "ty": 0, "nm": "badge-comp", "refId": "comp_0", "ks": {}},
        ],
    }


def main() -> None:
    HERE.mkdir(exist_ok=True)
    animation = lottie()
    (HERE / "lottie.json").write_text(json.dumps(animation, indent=1))
    manifest = {
        "bindings": [
            {"key": "firstName", "layer": "headline", "type": "text", "required": True},
            {"key": "photo", "layer": "photo", "type": "image", "required": False},
            {
                "key": "badgeColour",
                "layer": "badge",
                "type": "color",
                "required": False,
                "default": "#ff0000",
            },
        ]
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (HERE / "overlay.json").write_text(json.dumps({"x": 0, "y": 0, "width": 1280, "height": 720}))
    (HERE / "video.mp4").write_bytes(tiny_mp4())
    poster = io.BytesIO()
    Image.new("RGB", (32, 18), (200, 30, 60)).save(poster, format="PNG")
    (HERE / "poster.png").write_bytes(poster.getvalue())

    # Broken ones.
    text = json.dumps(animation)
    (HERE / "truncated.json").write_text(text[: len(text) // 2])
    missing = {key: value for key, value in animation.items() if key not in ("fr", "layers")}
    (HERE / "lottie_missing_keys.json").write_text(json.dumps(missing))
    bad_manifest = {
        "bindings": [{"key": "lastName", "layer": "surname", "type": "text", "required": True}]
    }
    (HERE / "manifest_missing_layer.json").write_text(json.dumps(bad_manifest))
    (HERE / "png_renamed.mp4").write_bytes(poster.getvalue())
    (HERE / "text_named.png").write_text("This is not an image.\n")


if __name__ == "__main__":
    main()
