"""Turning an uploaded photo into a clean stored JPEG and a thumbnail (Pillow only, no I/O).

Phones send 12-megapixel JPEGs (or HEIC) full of metadata, sometimes on their side.
We recognise the format by content only, refuse anything else with a message the
shopper understands, apply the EXIF orientation, drop every metadata block (GPS
included) and keep only the capture time, which goes to the database.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from app.errors import Invalid
from app.i18n import _

pillow_heif.register_heif_opener()

FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED = frozenset({*FORMATS, "MPO"})  # MPO: multi-picture JPEGs some phones write
STORED_SIZE = 2048  # long side of the stored image, at most
THUMB_SIZE = 320
# JPEGs decode at 1/2, 1/4 or 1/8 scale for free (draft mode); we take the smallest
# scale whose long side still reaches DRAFT_FLOOR, so a 4000 px photo decodes at 2000 px.
DRAFT_FLOOR = 1840
MAX_PIXELS = {"JPEG": 120_000_000, "MPO": 120_000_000}  # draft decodes these at <= 1/2
# Other formats decode in full: no more than a phone's camera produces (a 7000 x 7000
# PNG of 190 KB would take some 600 MB to convert).
MAX_PIXELS_OTHER = 24_000_000
# Decoding is the memory-heavy step: at most this many at once per process, the rest wait.
DECODE_SLOTS = threading.BoundedSemaphore(2)
QUALITY, THUMB_QUALITY = 82, 70

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132


class _PerThreadFlag:
    """Pillow's global LOAD_TRUNCATED_IMAGES, decided per thread.

    WeasyPrint switches the global on at import so PDFs render damaged images; uploads
    must stay strict, so this thread turns it off only while it decodes one.
    """

    def __init__(self, default: bool) -> None:
        self.default = bool(default)
        self.local = threading.local()

    def __bool__(self) -> bool:
        return getattr(self.local, "value", self.default)


@contextmanager
def _strict_loading() -> Iterator[None]:
    current: object = ImageFile.LOAD_TRUNCATED_IMAGES
    if isinstance(current, _PerThreadFlag):
        flag = current
    else:  # (re)installed after anyone set a plain bool
        flag = _PerThreadFlag(bool(current))
        # Pillow's stubs say bool, but Pillow only ever tests the flag's truth value.
        ImageFile.LOAD_TRUNCATED_IMAGES = flag  # type: ignore[assignment]
    flag.local.value = False
    try:
        yield
    finally:
        del flag.local.value


@dataclass(frozen=True)
class Processed:
    """A stored-ready photo: JPEG bytes without metadata, its size and the capture time."""

    image: bytes
    thumb: bytes
    width: int
    height: int
    captured_at: datetime | None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def _open(data: bytes, max_bytes: int) -> Image.Image:
    if not data:
        raise Invalid(_("The file is empty."), field="file")
    if len(data) > max_bytes:
        raise Invalid(
            _("The photo is larger than %(size)s MB.", size=_megabytes(max_bytes)), field="file"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(
            _("This file is not a photo. Send a JPEG, PNG, WebP or HEIC image."), field="file"
        ) from None
    if image.format not in ACCEPTED:
        raise Invalid(
            _("This file is not a photo. Send a JPEG, PNG, WebP or HEIC image."), field="file"
        )
    limit = MAX_PIXELS.get(image.format or "", MAX_PIXELS_OTHER)
    if image.width * image.height > limit:
        raise _too_many_pixels()
    return image


def _too_many_pixels() -> Invalid:
    return Invalid(_("The photo has too many pixels to process."), field="file")


def captured_at(image: Image.Image, tz: str | None) -> datetime | None:
    """The EXIF capture time in UTC; a time without offset is read in the branch's zone."""
    exif = image.getexif()
    sub = exif.get_ifd(_EXIF_IFD)
    raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip("\x00 ").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(_OFFSET_ORIGINAL)
    if isinstance(offset, str) and len(offset.strip("\x00 ")) == 6:
        text = offset.strip("\x00 ")
        sign = -1 if text[0] == "-" else 1
        try:
            delta = timedelta(hours=int(text[1:3]), minutes=int(text[4:6]))
        except ValueError:
            delta = None
        if delta is not None:
            return moment.replace(tzinfo=timezone(sign * delta)).astimezone(UTC)
    return moment.replace(tzinfo=ZoneInfo(tz or "UTC")).astimezone(UTC)


def draft_request(width: int, height: int) -> tuple[int, int]:
    """The size to ask JPEG draft mode for so the decoded long side stays >= DRAFT_FLOOR."""
    factor = DRAFT_FLOOR / max(width, height)
    return max(1, int(width * factor)), max(1, int(height * factor))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparency and odd modes (CMYK, 16-bit, palette) become plain RGB."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode == "I" or image.mode.startswith("I;16"):
        gray = image.convert("I").point(lambda v: v / 256)  # 16-bit samples to 8-bit
        return gray.convert("L").convert("RGB")
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """Only the pixels: a new image from the raw samples carries no metadata of the upload.

    Pillow copies a JPEG comment (COM) from the source's `info` on save, and XMP, ICC
    descriptions or PNG text chunks could name the shopper; none of them may reach a
    manager or a PDF, so nothing of `info` is kept.
    """
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=quality)
    return out.getvalue()


def process(data: bytes, *, max_bytes: int, tz: str | None = None, draft: bool = True) -> Processed:
    """Validate and convert an upload; raises Invalid with a message for the shopper."""
    image = _open(data, max_bytes)
    taken = captured_at(image, tz)
    with DECODE_SLOTS:
        return _convert(image, taken, draft=draft)


def _convert(image: Image.Image, taken: datetime | None, *, draft: bool) -> Processed:
    """Decode, turn upright, flatten, downscale and re-encode the photo and its thumbnail."""
    try:
        if draft and image.format in ("JPEG", "MPO"):
            image.draft("RGB", draft_request(image.width, image.height))
        with _strict_loading():
            image.load()
        image = ImageOps.exif_transpose(image) or image
        image = _flatten(image)
        if max(image.size) > STORED_SIZE:
            image.thumbnail((STORED_SIZE, STORED_SIZE), reducing_gap=None if draft else 2.0)
        thumb = image.copy()
        thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
        stored, small = _jpeg(image, QUALITY), _jpeg(thumb, THUMB_QUALITY)
    except (OSError, SyntaxError, ValueError, EOFError):
        raise Invalid(_("The photo is damaged or incomplete."), field="file") from None
    return Processed(stored, small, image.width, image.height, taken)
