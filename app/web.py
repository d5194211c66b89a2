"""Rendering: one Jinja environment, full pages or a block of them for HTMX.

A fragment is a named block of the page's own template, so a page and its
HTMX update never drift apart. Responses say `Vary: HX-Request` so caches keep
the two apart.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from itsdangerous import BadSignature, URLSafeSerializer

from app import storage
from app.errors import NotFound
from app.i18n import _, content_language
from app.settings import get_settings
from app.templating import NAV, env, render_html

__all__ = ["env", "render_html"]

FLASH_COOKIE = "sm_flash"


def _flash_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().resolved_secret_key(), salt="flash")


def flash(response: Response, message: str, kind: str = "info") -> Response:
    """Show a message on the next page (kept in a signed cookie, read once)."""
    value = _flash_serializer().dumps([kind, message])
    response.set_cookie(
        FLASH_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        max_age=60,
        secure=get_settings().secure_cookies,
    )
    return response


def _read_flash(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        kind, message = _flash_serializer().loads(raw)
    except (BadSignature, ValueError):
        return []
    return [(kind, message)]


def is_htmx(request: Request) -> bool:
    """An HTMX swap (not a history restore, which needs the whole page)."""
    return request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )


def base_context(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    language = getattr(request.state, "language", get_settings().default_language)
    return {
        "request": request,
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "language": language,
        "lang_tag": content_language(language),
        "nav": NAV.get(user.role, []) if user else [],
        "flashes": _read_flash(request),
        "company": get_settings().company_name,
        "csrf_header": json.dumps({"X-CSRF-Token": getattr(request.state, "csrf_token", "")}),
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page, or just `block` of it when HTMX asks."""
    ctx = base_context(request) | (context or {})
    html = render_html(template, ctx, block=block if block and is_htmx(request) else None)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request"
    if ctx["flashes"]:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect(request: Request, url: str, *, status_code: int = 303) -> Response:
    """Redirect a normal request, or tell HTMX to navigate the whole page."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=status_code)


def stored_file(
    key: str,
    *,
    media_type: str,
    headers: dict[str, str],
    filename: str | None = None,
    signed: bool = False,
) -> Response:
    """A stored file for a request that has passed its access checks (`app.storage`).

    The local backend's file is sent from disk; from S3 the app streams it, or with
    `signed` (large downloads) redirects to a presigned URL valid STORAGE_URL_SECONDS,
    issued only now, after the checks. A missing file is a 404.
    """
    store = storage.backend()
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise NotFound(_("Not found."))
        return FileResponse(path, media_type=media_type, filename=filename, headers=headers)
    if signed and filename:
        if not store.exists(key):
            raise NotFound(_("Not found."))
        url = store.signed_url(key, filename=filename, content_type=media_type)
        if url:
            return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    chunks = store.open(key)
    if chunks is None:
        raise NotFound(_("Not found."))
    if filename:
        headers = headers | {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(chunks, media_type=media_type, headers=headers)
