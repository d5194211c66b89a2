"""The ASGI application: routers, static files, and the one place errors become HTTP."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.body_limit import MAX_BULK_BYTES, MB, BodyLimitMiddleware
from app.db import new_session
from app.deps import (
    LANGUAGE_COOKIE,
    PRE_CSRF_COOKIE,
    CsrfFailed,
    LoginRequired,
    csrf_protect,
    resolve_user_for_error_page,
)
from app.errors import DomainError
from app.i18n import _, current_language, pick_language
from app.reports.jobs import resume_interrupted
from app.routers import (
    account,
    admin_agencies,
    admin_checklists,
    admin_org,
    admin_users,
    admin_waves,
    api,
    disputes,
    exports,
    home,
    photos,
    pwa,
    reports,
    review,
    scorecards,
    visits,
)
from app.settings import get_settings
from app.static_files import CompressedStaticFiles
from app.web import is_htmx, redirect, render

STATIC_DIR = Path(__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")  # fetch() from page scripts asks for JSON
    return request.url.path.startswith("/api/") or "application/json" in accept


def _error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    resolve_user_for_error_page(request)
    if is_htmx(request):  # show the error where the swap would have gone
        return render(
            request,
            "error.html",
            {"status": status, "message": message},
            block="content",
            status_code=status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


# The phone uses the location at check-in and nothing else of the device.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)


def security_headers(request: Request, response: Response, *, https: bool) -> None:
    """Headers every response carries; pages of a logged-in user are never stored by caches."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not headers.get("content-type", "").startswith("text/html"):
        return  # the rest concern documents; scripts and images on a phone stay light
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if getattr(request.state, "user", None) is not None:
        headers.setdefault("Cache-Control", "no-store")


def _out_of_range(exc: DataError) -> bool:
    """PostgreSQL's "out of range" (SQLSTATE 22003) for an integer parameter."""
    return getattr(exc.orig, "sqlstate", None) == "22003"


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, login and CSRF failures and HTTP errors to pages or JSON."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return _error_page(request, exc.status, exc.message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, f"/login?next={target}", status_code=302)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        return _error_page(request, 403, _("This form has expired. Reload the page and try again."))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = _("Page not found.") if exc.status_code == 404 else str(exc.detail)
        headers = dict(exc.headers) if exc.headers else None
        return _error_page(request, exc.status_code, message, headers=headers)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        """A number no column can hold (an id over 2^31 in a query, a huge count in a form).

        Paths already refuse such ids (`app.routers.RowIdConvertor`); this catches the rest
        before the database's error becomes a 500. Other data errors stay errors.
        """
        if isinstance(exc, DataError) and not _out_of_range(exc):
            raise exc
        if request.method in ("GET", "HEAD"):
            return _error_page(request, 404, _("Page not found."))
        return _error_page(request, 422, _("A number in the form is out of range."))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _error_page(request, 422, fields)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Resume report exports a restart interrupted, then freeze start-up objects.

    The freeze moves the ~165k long-lived objects (templates, catalogs, ORM) out of the
    collector's scans: otherwise every full collection walks them all (~100 ms), and a
    large scorecard, which allocates many objects, triggers one every few requests.
    """
    resume_interrupted()
    if get_settings().gc_freeze:
        gc.collect()
        gc.freeze()
    yield


BULK_DELIVERY_PATH = "/api/v1/visits/bulk"


def body_limit_for(path: str) -> int:
    """The largest body a path takes: an agency's bulk ZIP, else a photo with its form."""
    if path == BULK_DELIVERY_PATH:
        return MAX_BULK_BYTES
    return get_settings().max_photo_bytes + MB


def create_app() -> FastAPI:
    settings = get_settings()
    settings.resolved_secret_key()  # fail at start, not at the first login
    app = FastAPI(title="ShopMirror", dependencies=[Depends(csrf_protect)], lifespan=_lifespan)
    app.add_middleware(GZipMiddleware, minimum_size=800)
    app.mount("/static", CompressedStaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        account,
        home,
        visits,
        photos,
        pwa,
        admin_checklists,
        admin_org,
        admin_users,
        admin_waves,
        admin_agencies,
        review,
        api,
        scorecards,
        disputes,
        exports,
        reports,
    ):
        # The OpenAPI schema (/docs) documents the agencies' API only, not the pages.
        app.include_router(module.router, include_in_schema=module is api)
    install_error_handlers(app)

    @app.middleware("http")
    async def language_and_headers(request: Request, call_next) -> Response:
        # The language is fixed here, in the request's own context, so that handlers and
        # sync dependencies (run in worker threads with a copy of it) all see it.
        language = pick_language(
            user_language=None,
            cookie=request.cookies.get(LANGUAGE_COOKIE),
            header=request.headers.get("accept-language"),
        )
        current_language.set(language)
        request.state.language = language
        response = await call_next(request)
        security_headers(request, response, https=settings.secure_cookies)
        if getattr(request.state, "set_pre_csrf", False):
            response.set_cookie(
                PRE_CSRF_COOKIE,
                request.state.csrf_token,
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
            )
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """For load balancers and the phone's connection check: is the database answering?"""
        try:
            with new_session(write=False) as db:
                db.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    # Outermost, so no middleware or handler reads a body before its size is checked.
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit_for)
    return app
