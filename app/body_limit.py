"""A size limit on every request body, enforced while it is read (chunked bodies too).

It runs before anything parses or spools the body (CSRF's form read, multipart parsing),
so an oversize upload costs the server at most the limit, not the whole body. A declared
`Content-Length` over the limit is refused at once; otherwise the bytes are counted as
they arrive and the request is answered 413 as soon as the count passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MB = 1024 * 1024
MAX_BULK_BYTES = 256 * MB  # an agency's ZIP of many visits with their photos


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse bodies over `limit_for(path)` bytes with 413 and a message naming the limit."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"detail": f"The request is larger than {limit // MB} MB.", "limit_bytes": limit}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
