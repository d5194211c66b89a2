"""Request bodies are limited while they are read: declared or chunked, oversize is 413."""

from __future__ import annotations

import asyncio

import pytest

from app.body_limit import BodyLimitMiddleware


async def _echo_length(scope, receive, send):
    """A stand-in app that reads the whole body, as form parsing would."""
    total = 0
    while True:
        message = await receive()
        total += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(total).encode()})


def _call(chunks: list[bytes], *, declared: int | None, limit: int = 100):
    sent: list[dict] = []
    pulled = 0
    headers = [(b"content-length", str(declared).encode())] if declared is not None else []

    async def receive():
        nonlocal pulled
        pulled += 1
        body = chunks[pulled - 1] if pulled <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": pulled < len(chunks)}

    async def send(message):
        sent.append(message)

    app = BodyLimitMiddleware(_echo_length, limit_for=lambda _path: limit)
    scope = {"type": "http", "path": "/x", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[-1]["body"], pulled


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    status, body, pulled = _call([b"x" * 500], declared=500)
    assert status == 413 and pulled == 0 and b"larger than" in body


@pytest.mark.parametrize("chunk", [10, 40])
def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit(chunk):
    chunks = [b"x" * chunk] * 50  # 500 or 2000 bytes without a length
    status, _body, pulled = _call(chunks, declared=None)
    assert status == 413
    assert pulled * chunk <= 100 + chunk  # stopped right after the limit, not at the end


def test_a_body_within_the_limit_passes_untouched():
    assert _call([b"x" * 60, b"y" * 40], declared=None)[:2] == (200, b"100")


def test_the_app_refuses_an_oversize_photo_upload_with_413(client, world, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setenv("MAX_PHOTO_BYTES", "1000")
    get_settings.cache_clear()
    try:
        response = client.post(
            "/visits/1/photos", files={"file": ("a.jpg", b"x" * 2_000_000, "image/jpeg")}
        )
    finally:
        get_settings.cache_clear()
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
