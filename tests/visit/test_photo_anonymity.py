"""A stored photo carries only pixels: no metadata block of the upload can name the shopper.

Covers JPEG COM, EXIF text tags, XMP, an ICC profile's description and PNG text chunks,
in the stored image and its thumbnail (both reach managers and the PDF).
"""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from app.services import images

NAME = "Jane Shopper"


def _segments(jpeg: bytes) -> list[int]:
    """The JPEG marker codes before the image data (APPn, COM, DQT...)."""
    assert jpeg[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(jpeg):
        marker = jpeg[at + 1]
        if marker == 0xDA:  # start of scan: metadata only comes before it
            break
        (length,) = struct.unpack(">H", jpeg[at + 2 : at + 4])
        markers.append(marker)
        at += 2 + length
    return markers


def _names_jane(data: bytes) -> bool:
    """The name in any plain encoding (compressed PNG text is checked by its decoded info)."""
    return any(
        "Jane".encode(codec) in data for codec in ("ascii", "utf-16-le", "utf-16-be")
    ) or "Jane" in str(Image.open(io.BytesIO(data)).info)


def _picture() -> Image.Image:
    return Image.linear_gradient("L").convert("RGB").resize((400, 300))


def _jpeg_with_comment() -> bytes:
    out = io.BytesIO()
    _picture().save(out, "JPEG", comment=NAME.encode())
    return out.getvalue()


def _jpeg_with_exif_text() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x010E] = f"photo by {NAME}"  # ImageDescription
    out = io.BytesIO()
    _picture().save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _jpeg_with_xmp() -> bytes:
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{NAME}</dc:creator></x:xmpmeta>'
    out = io.BytesIO()
    _picture().save(out, "JPEG", xmp=xmp.encode())
    return out.getvalue()


def _jpeg_with_icc_description() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    built_in = "sRGB built-in".encode("utf-16-le")
    assert built_in in profile  # its description, renamed to the same length
    profile = profile.replace(built_in, "Jane Shopper!".encode("utf-16-le"))
    out = io.BytesIO()
    _picture().save(out, "JPEG", icc_profile=profile)
    return out.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", NAME)
    info.add_itxt("Comment", f"taken by {NAME}", lang="en")
    info.add_text("Software", NAME, zip=True)
    out = io.BytesIO()
    _picture().save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.mark.parametrize(
    "upload",
    [
        _jpeg_with_comment,
        _jpeg_with_exif_text,
        _jpeg_with_xmp,
        _jpeg_with_icc_description,
        _png_with_text,
    ],
    ids=["jpeg-com", "exif-text", "xmp", "icc-description", "png-text"],
)
def test_no_metadata_block_survives_in_the_photo_or_its_thumbnail(upload):
    data = upload()
    assert _names_jane(data), "the upload must carry the name somewhere"
    processed = images.process(data, max_bytes=10_000_000)
    for stored in (processed.image, processed.thumb):
        assert not _names_jane(stored)
        # Only the JFIF header and the coding tables: no APP1 (EXIF/XMP), APP2 (ICC), COM.
        assert set(_segments(stored)) <= {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD}
        assert Image.open(io.BytesIO(stored)).info.get("comment") is None
