"""Benchmark photo ingest: a 12-megapixel phone JPEG to the stored image and its thumbnail.

Compares the service's pipeline with JPEG draft mode (decode at 1/2 scale when that still
leaves >= 1840 px) against the same pipeline without it, and against the naive
`thumbnail((2048, 2048))` whose default reducing_gap asks draft for 4096 px (no gain).

    .venv/bin/python bench/bench_photos.py [--runs 15] [--width 4000 --height 3000]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services import images

TARGET_MS = 150


def phone_photo(width: int, height: int) -> bytes:
    """A JPEG with the detail and noise of a real photo (flat colours would decode too fast)."""
    detail = Image.effect_mandelbrot((width // 4, height // 4), (-2.2, -1.2, 1.0, 1.2), 80)
    channels = [
        detail.resize((width, height)),
        Image.linear_gradient("L").resize((width, height)),
        Image.effect_noise((width, height), 28),
    ]
    exif = Image.Exif()
    exif[0x0112] = 6  # on its side, as phones save portrait shots
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 10:15:00"
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def naive(data: bytes) -> None:
    """What one writes first: thumbnail() with its default reducing_gap=2.0."""
    image = Image.open(io.BytesIO(data))
    image.thumbnail((images.STORED_SIZE, images.STORED_SIZE))
    image = ImageOps.exif_transpose(image)
    image.save(io.BytesIO(), "JPEG", quality=images.QUALITY)
    thumb = image.copy()
    thumb.thumbnail((images.THUMB_SIZE, images.THUMB_SIZE))
    thumb.save(io.BytesIO(), "JPEG", quality=images.THUMB_QUALITY)


def timed(function, runs: int) -> list[float]:
    function()  # warm up
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    data = phone_photo(args.width, args.height)
    limit = 64 * 1024 * 1024
    result = images.process(data, max_bytes=limit)
    print(
        f"photo: {args.width}x{args.height} ({args.width * args.height / 1e6:.1f} MP), "
        f"{len(data) / 1e6:.1f} MB JPEG -> stored {result.width}x{result.height} "
        f"{len(result.image) / 1e3:.0f} kB + thumbnail {len(result.thumb) / 1e3:.0f} kB"
    )
    variants = {
        "with draft mode (service)": lambda: images.process(data, max_bytes=limit),
        "without draft mode": lambda: images.process(data, max_bytes=limit, draft=False),
        "naive thumbnail(), reducing_gap=2": lambda: naive(data),
    }
    medians = {}
    for name, function in variants.items():
        runs = timed(function, args.runs)
        medians[name] = statistics.median(runs)
        print(
            f"{name:36s} median {medians[name]:7.1f} ms   min {min(runs):7.1f}   "
            f"max {max(runs):7.1f}   ({args.runs} runs)"
        )
    best = medians["with draft mode (service)"]
    print(
        f"speed-up from draft mode: {medians['without draft mode'] / best:.1f}x; "
        f"target < {TARGET_MS} ms median: {'met' if best < TARGET_MS else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
