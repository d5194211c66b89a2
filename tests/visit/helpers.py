"""Photo files for the tests: real JPEG/PNG/WebP bytes, with or without EXIF, and bad files."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime

from PIL import Image

GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def jpeg(
    size: tuple[int, int] = (640, 480),
    *,
    orientation: int | None = None,
    gps: bool = False,
    taken: datetime | None = None,
    offset: str | None = None,
    halves: bool = False,
) -> bytes:
    """A JPEG; `halves` paints the left half red and the right half blue."""
    image = Image.new("RGB", size, (30, 120, 200))
    if halves:
        image.paste((220, 20, 20), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd.update({1: "N", 2: (31.0, 14.0, 10.0), 3: "E", 4: (121.0, 28.0, 48.0)})
    if taken:
        sub = exif.get_ifd(EXIF_IFD)
        sub[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        if offset:
            sub[0x9011] = offset
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def truncated_jpeg(size: tuple[int, int] = (1200, 900)) -> bytes:
    """The first half of a detailed JPEG, as a dropped upload would leave it."""
    image = Image.merge("RGB", [Image.effect_noise(size, 40)] * 3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    data = out.getvalue()
    return data[: len(data) // 2]


def encoded(fmt: str, size: tuple[int, int] = (300, 200), mode: str = "RGB") -> bytes:
    color = {"RGB": (10, 200, 90), "RGBA": (10, 200, 90, 128), "L": 128}[mode]
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(side: int = 20000) -> bytes:
    """A small PNG that would decode to side x side pixels (1-bit rows of zeros)."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
