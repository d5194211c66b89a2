"""Photo processing: only real photos by content, cleaned, upright, small and quick to show."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from app.errors import Invalid
from app.services import images
from tests.visit.helpers import encoded, jpeg, png_bomb, truncated_jpeg

LIMIT = 15 * 1024 * 1024


def stored(processed: images.Processed) -> Image.Image:
    return Image.open(io.BytesIO(processed.image))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_each_accepted_format_becomes_a_jpeg_with_a_thumbnail(fmt):
    data = jpeg((300, 200)) if fmt == "JPEG" else encoded(fmt)
    result = images.process(data, max_bytes=LIMIT)
    assert stored(result).format == "JPEG"
    assert (result.width, result.height) == (300, 200)
    thumb = Image.open(io.BytesIO(result.thumb))
    assert thumb.format == "JPEG" and max(thumb.size) <= images.THUMB_SIZE


def test_transparent_png_is_flattened_on_white():
    result = images.process(encoded("PNG", mode="RGBA"), max_bytes=LIMIT)
    assert stored(result).mode == "RGB"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"This is a text file, not a photo.\n" * 20, "not a photo"),
        (b"", "empty"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "not a photo"),
        (encoded("GIF"), "not a photo"),
        (encoded("BMP"), "not a photo"),
    ],
    ids=["text renamed .jpg", "0 bytes", "pdf", "gif", "bmp"],
)
def test_anything_but_a_photo_is_refused_by_its_content(data, message):
    with pytest.raises(Invalid) as caught:
        images.process(data, max_bytes=LIMIT)
    assert message in caught.value.message


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(Invalid) as caught:
        images.process(truncated_jpeg(), max_bytes=LIMIT)
    assert "damaged" in caught.value.message


def test_a_file_over_the_size_limit_is_refused():
    data = jpeg((400, 300))
    with pytest.raises(Invalid) as caught:
        images.process(data, max_bytes=len(data) - 1)
    assert "larger than" in caught.value.message
    assert images.process(data, max_bytes=len(data)).width == 400


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = png_bomb(20000)
    assert len(bomb) < 100_000  # tiny on the wire, 400 megapixels once decoded
    with pytest.raises(Invalid) as caught:
        images.process(bomb, max_bytes=LIMIT)
    assert "too many pixels" in caught.value.message


def test_a_png_larger_than_a_phone_camera_is_refused_before_decoding():
    big = png_bomb(7000)  # 49 megapixels in a few kilobytes
    with pytest.raises(Invalid, match="too many pixels"):
        images.process(big, max_bytes=LIMIT)
    images.process(png_bomb(4000), max_bytes=LIMIT)  # 16 MP: a phone's photo is fine


def test_exif_orientation_6_is_stored_upright():
    result = images.process(jpeg((400, 200), orientation=6, halves=True), max_bytes=LIMIT)
    image = stored(result)
    assert image.size == (200, 400)
    red, blue = image.getpixel((100, 50)), image.getpixel((100, 350))
    assert red[0] > 180 and red[2] < 60  # the left half is now on top
    assert blue[2] > 180 and blue[0] < 60


def test_all_metadata_is_stripped_but_the_capture_time_is_kept():
    taken = datetime(2026, 11, 20, 10, 15, 0)
    source = jpeg((320, 240), gps=True, taken=taken, orientation=1)
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(images._EXIF_IFD)  # sanity
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)
    result = images.process(source, max_bytes=LIMIT, tz="Asia/Shanghai")
    image = stored(result)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in result.image and b"Exif" not in result.thumb
    assert result.captured_at == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)


def test_a_capture_time_with_its_own_offset_wins_over_the_branch_zone():
    source = jpeg(taken=datetime(2026, 11, 20, 10, 15), offset="+01:00")
    result = images.process(source, max_bytes=LIMIT, tz="Asia/Shanghai")
    assert result.captured_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)


def test_no_capture_time_is_none():
    assert images.process(jpeg(), max_bytes=LIMIT).captured_at is None


def test_large_photos_are_downscaled_to_2048_and_drafted_from_half_size():
    result = images.process(jpeg((4000, 3000)), max_bytes=LIMIT)
    assert max(result.width, result.height) <= images.STORED_SIZE
    assert (result.width, result.height) == (2000, 1500)  # decoded at 1/2 scale, no resize
    assert max(Image.open(io.BytesIO(result.thumb)).size) == images.THUMB_SIZE


def test_without_draft_the_long_side_is_exactly_2048():
    result = images.process(jpeg((4000, 3000)), max_bytes=LIMIT, draft=False)
    assert (result.width, result.height) == (2048, 1536)


def test_non_jpeg_large_images_are_downscaled_too():
    result = images.process(encoded("PNG", size=(3000, 1000)), max_bytes=LIMIT)
    assert (result.width, result.height) == (2048, 683)


@pytest.mark.parametrize(
    ("size", "expected"), [((4000, 3000), 2), ((8000, 6000), 4), ((3000, 2000), 1)]
)
def test_draft_request_keeps_the_long_side_above_the_floor(size, expected):
    request = images.draft_request(*size)
    scale = min(size[0] // request[0], size[1] // request[1])
    chosen = next(s for s in (8, 4, 2, 1) if scale >= s)
    assert chosen == expected
    assert max(size) / chosen >= images.DRAFT_FLOOR


def test_uploads_stay_strict_even_when_pdf_rendering_allows_damaged_images():
    import weasyprint  # noqa: F401 - switches Pillow's global LOAD_TRUNCATED_IMAGES on
    from PIL import ImageFile

    assert bool(ImageFile.LOAD_TRUNCATED_IMAGES)
    with pytest.raises(Invalid, match="damaged"):
        images.process(truncated_jpeg(), max_bytes=LIMIT)
    assert bool(ImageFile.LOAD_TRUNCATED_IMAGES)  # unchanged for everyone else
