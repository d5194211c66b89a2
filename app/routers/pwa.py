"""The installable web app: manifest, the service worker at the site root, the offline page.

`/sw.js` is served from the root (not /static) so its scope is the whole site;
`/visits/offline.json` tells it which pages and photos to keep for the visits due now.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from app.deps import AuthDep, SessionDep
from app.i18n import _
from app.models import Role
from app.services import visit_page
from app.settings import get_settings
from app.web import render

router = APIRouter()
STATIC = Path(__file__).resolve().parent.parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> Response:
    headers = NO_CACHE | {"Service-Worker-Allowed": "/"}
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers=headers)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask the root for it on every page; the app's own icon, cached for a day."""
    return FileResponse(
        STATIC / "icons" / "icon-32.png",
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest() -> Response:
    """Neutral on purpose: the name and description show under the icon on a shopper's phone."""
    name = get_settings().company_name
    icons = [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icons/maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": name,
        "short_name": name,
        "description": _("Visit notes"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f7f9",
        "theme_color": "#0f4c5c",
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json", headers=NO_CACHE)


@router.get("/offline", include_in_schema=False)
def offline(request: Request) -> Response:
    return render(request, "visit/offline.html", {"title": _("No connection")})


@router.get("/visits/offline.json", include_in_schema=False)
def offline_list(db: SessionDep, auth: AuthDep) -> Response:
    """What the service worker keeps on the phone: the shopper's open visits due now."""
    user = auth[1] if auth else None
    if user is None or user.role != Role.shopper:
        return JSONResponse({"pages": [], "photos": []}, headers=NO_CACHE)
    pages, photos = visit_page.offline_urls(db, user=user)
    return JSONResponse({"pages": ["/", "/offline", *pages], "photos": photos}, headers=NO_CACHE)
