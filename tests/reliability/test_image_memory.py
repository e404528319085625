"""Image decoding is bounded (SPEC §16): a worker grows by less than 100 MB on any image it
accepts, and a larger one is refused before it is decoded. Measured in a subprocess of its
own (its peak resident size, ``ru_maxrss``), after a warm-up, as a web worker would run it.

Issue 17: a 139 KB, 49-megapixel PNG grew the worker from 129 to 511 MB."""

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

LIMIT_MB = 100

PROBE = r"""
import io, json, resource, sys
import django
django.setup()
from backoffice.errors import InvalidRequest
from projects.thumbnails import RENDITIONS, open_image, render

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

warm = sys.argv[1]
big = sys.argv[2]
for name, size in RENDITIONS.items():  # warm up: the libraries loaded, the allocator primed
    render(open_image(open(warm, "rb").read()), size)
before = peak_mb()
try:
    image = open_image(open(big, "rb").read())
    sizes = [len(render(image, size)) for size in RENDITIONS.values()]
    outcome = "accepted"
except InvalidRequest as error:
    outcome = "refused: " + error.detail
print(json.dumps({"outcome": outcome, "grew_mb": peak_mb() - before, "before_mb": before}))
"""


def png(path: Path, width: int, height: int, colour_type: int = 6) -> Path:
    """A PNG of any size written row by row (a few hundred KB for tens of megapixels), so the
    test itself never holds the decoded image."""
    channels = {0: 1, 2: 3, 6: 4}[colour_type]
    compressor = zlib.compressobj(9)
    row = (
        b"\x00" + bytes(range(256)) * (width * channels // 256) + b"\x7f" * (width * channels % 256)
    )
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def measure(tmp_path: Path, big: Path) -> dict:
    warm = png(tmp_path / "warm.png", 300, 200)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(warm), str(big)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("width", "height", "colour_type"),
    [(3500, 3500, 6), (5000, 3300, 2), (7000, 7000, 0)],
    ids=["3500x3500-RGBA", "5000x3300-RGB", "49MP-grey"],
)
def test_the_largest_accepted_images_grow_a_worker_by_less_than_100_mb(
    tmp_path, width, height, colour_type
):
    big = png(tmp_path / "big.png", width, height, colour_type)
    result = measure(tmp_path, big)
    assert result["outcome"] == "accepted"
    assert result["grew_mb"] < LIMIT_MB, result


def test_the_49_megapixel_png_of_issue_17_is_refused_before_decoding(tmp_path):
    big = png(tmp_path / "bomb.png", 7000, 7000)
    assert big.stat().st_size < 2_000_000
    result = measure(tmp_path, big)
    assert result["outcome"].startswith("refused: The image is too large")
    assert result["grew_mb"] < LIMIT_MB, result
