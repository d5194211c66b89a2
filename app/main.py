"""The ASGI application: routers, static files, and the one place errors become HTTP."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.background import BackgroundTask
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import health, tasks
from app.body_limit import MAX_BULK_BYTES, MB, BodyLimitMiddleware
from app.db import database_full
from app.deps import (
    LANGUAGE_COOKIE,
    PRE_CSRF_COOKIE,
    CsrfFailed,
    LoginRequired,
    TwoFactorSetupRequired,
    client_address,
    csrf_protect,
    get_log_db,
    resolve_user_for_error_page,
)
from app.errors import Denied, DomainError, Forbidden
from app.i18n import _, current_language, pick_language
from app.maintenance import start_periodic_purge
from app.memory import limit_malloc_arenas
from app.models import Role, SecurityEventKind
from app.reports.jobs import resume_interrupted
from app.routers import (
    account,
    admin_agencies,
    admin_audit,
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
    two_factor,
    visits,
)
from app.services import security_log
from app.settings import get_settings
from app.static_files import CompressedStaticFiles
from app.web import flash, is_htmx, redirect, render

log = logging.getLogger(__name__)

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

# Pages run only this site's own files: no inline script or style (what was inline lives in
# app/static), no eval, no plugins, not framed, forms post here only. Photos being sent from
# the phone are previewed from blob: URLs; small icons may be data: URLs. /docs and /redoc
# set a policy of their own (API_DOCS_CSP).
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(request: Request, headers: MutableHeaders, *, https: bool) -> None:
    """Headers every response carries; pages of a logged-in user are never stored by caches."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not headers.get("content-type", "").startswith("text/html"):
        return  # the rest concern documents; scripts and images on a phone stay light
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Content-Security-Policy", APP_CSP)
    if getattr(request.state, "user", None) is not None:
        headers.setdefault("Cache-Control", "no-store")


class LanguageAndHeaders:
    """Fix the request's language, then add the security headers and the pre-session CSRF
    cookie to the response as it starts.

    The language is set here, in the request's own context, so that handlers and sync
    dependencies (run in worker threads with a copy of it) all see it. A plain ASGI
    middleware: Starlette's `BaseHTTPMiddleware` ran every request through a task group and
    memory streams, a sixth of an autosave's time in the server.
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        language = pick_language(
            user_language=None,
            cookie=request.cookies.get(LANGUAGE_COOKIE),
            header=request.headers.get("accept-language"),
        )
        current_language.set(language)
        request.state.language = language

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                security_headers(request, headers, https=self.https)
                if getattr(request.state, "set_pre_csrf", False):
                    headers.append("set-cookie", self._pre_csrf_cookie(request))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _pre_csrf_cookie(self, request: Request) -> str:
        cookie = Response()
        cookie.set_cookie(
            PRE_CSRF_COOKIE,
            request.state.csrf_token,
            httponly=True,
            samesite="lax",
            secure=self.https,
        )
        return cookie.headers["set-cookie"]


def _out_of_range(exc: DataError) -> bool:
    """PostgreSQL's "out of range" (SQLSTATE 22003) for an integer parameter."""
    return getattr(exc.orig, "sqlstate", None) == "22003"


def _log_refusal(request: Request) -> None:
    """A refused request in the security log, in a transaction of its own.

    The request's own session has already rolled back (the handler raised), so the event is
    written after it, once the response is sent: a refusal of something that exists takes
    no longer to answer than a missing one. A busy database loses the event.
    """
    user = getattr(request.state, "user", None)
    open_session = request.app.dependency_overrides.get(get_log_db, get_log_db)()
    try:
        with open_session() as db:
            security_log.record(
                db,
                kind=SecurityEventKind.denied,
                user_id=user.id if user is not None else None,
                username=user.username if user is not None else "",
                address=client_address(request),
                detail=f"{request.method} {request.url.path}",
            )
    except OperationalError:
        pass


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, login and CSRF failures and HTTP errors to pages or JSON."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        response = _error_page(request, exc.status, exc.message)
        if isinstance(exc, (Denied, Forbidden)):
            response.background = BackgroundTask(_log_refusal, request)
        return response

    @app.exception_handler(TwoFactorSetupRequired)
    async def two_factor_setup(request: Request, _exc: TwoFactorSetupRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Two-factor login required"}, status_code=403)
        message = _("HQ accounts turn on two-factor login before anything else.")
        return flash(redirect(request, "/account/two-factor", status_code=302), message, "error")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, f"/login?next={target}", status_code=302)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        response = _error_page(
            request, 403, _("This form has expired. Reload the page and try again.")
        )
        response.background = BackgroundTask(_log_refusal, request)
        return response

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

    @app.exception_handler(OperationalError)
    async def database_full_error(request: Request, exc: OperationalError) -> Response:
        """The database's disk is full: 507 with what happens to the data, never a 500.

        The transaction was rolled back, so nothing half-stored remains; the phone keeps a
        507'd change in its outbox and shows this message until a change goes through.
        """
        if not database_full(exc):
            raise exc
        log.error("the database is out of space: %s %s refused", request.method, request.url.path)
        user = getattr(request.state, "user", None)
        if user is not None and user.role == Role.shopper:
            message = _(
                "The server is out of space: your changes wait on the phone and are sent again later."  # noqa: E501
            )
        else:
            message = _(
                "The server is out of space: nothing was saved. Try again later or tell your administrator."  # noqa: E501
            )
        return _error_page(request, 507, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _error_page(request, 422, fields)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Resume report exports a restart interrupted, freeze start-up objects, start the purge.

    The freeze moves the ~165k long-lived objects (templates, catalogs, ORM) out of the
    collector's scans: otherwise every full collection walks them all (~100 ms), and a
    large scorecard, which allocates many objects, triggers one every few requests.
    """
    resume_interrupted()
    tasks.fail_interrupted()
    if get_settings().gc_freeze:
        gc.collect()
        gc.freeze()
    purge = start_periodic_purge()
    yield
    if purge is not None:
        purge.cancel()


# The API documentation's scripts and styles, vendored and pinned (app/static/vendor/README.md):
# agencies read /docs and /redoc on networks without internet access, and no page of ours
# loads a script from a CDN.
API_DOCS_ASSETS = {
    "swagger_js": "/static/vendor/swagger-ui-bundle-5.35.0.js",
    "swagger_css": "/static/vendor/swagger-ui-5.35.0.css",
    "redoc_js": "/static/vendor/redoc.standalone-2.5.4.js",
    "favicon": "/static/icons/icon-32.png",
}
# The browser enforces "nothing from elsewhere" on the documentation pages as well: ReDoc's
# sidebar would fetch its maker's logo from cdn.redoc.ly (it hides the image when that fails).
# Inline script and styles are the pages' own (FastAPI's start-up script, styled components);
# ReDoc's search runs in a worker made from a blob.
API_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def install_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, drawn from the vendored files only."""
    title = f"{app.title} API"
    schema = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=schema,
            title=title,
            swagger_js_url=API_DOCS_ASSETS["swagger_js"],
            swagger_css_url=API_DOCS_ASSETS["swagger_css"],
            swagger_favicon_url=API_DOCS_ASSETS["favicon"],
            # validatorUrl None: no badge image fetched from validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = API_DOCS_CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=schema,
            title=title,
            redoc_js_url=API_DOCS_ASSETS["redoc_js"],
            redoc_favicon_url=API_DOCS_ASSETS["favicon"],
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = API_DOCS_CSP
        return page


BULK_DELIVERY_PATH = "/api/v1/visits/bulk"


def body_limit_for(path: str) -> int:
    """The largest body a path takes: an agency's bulk ZIP, else a photo with its form."""
    if path == BULK_DELIVERY_PATH:
        return MAX_BULK_BYTES
    return get_settings().max_photo_bytes + MB


def create_app() -> FastAPI:
    limit_malloc_arenas()  # before the thread pool exists: photo decodes stay bounded
    settings = get_settings()
    settings.resolved_secret_key()  # fail at start, not at the first login
    app = FastAPI(
        title="ShopMirror",
        dependencies=[Depends(csrf_protect)],
        lifespan=_lifespan,
        docs_url=None,  # served by install_api_docs from vendored files, not a CDN
        redoc_url=None,
    )
    app.add_middleware(GZipMiddleware, minimum_size=800)
    app.mount("/static", CompressedStaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        account,
        two_factor,
        home,
        visits,
        photos,
        pwa,
        admin_checklists,
        admin_org,
        admin_users,
        admin_waves,
        admin_agencies,
        admin_audit,
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
    install_api_docs(app)
    app.add_middleware(LanguageAndHeaders, https=settings.secure_cookies)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """For load balancers and the phone's connection check: are the parts reachable?

        The database, the broker (when BROKER_URL is set) and the media store, each "ok",
        "down" or "not configured"; 503 when one is down (`app.health`, within seconds).
        """
        healthy, parts = health.report()
        body = {"status": "ok" if healthy else "unavailable", **parts}
        return JSONResponse(body, status_code=200 if healthy else 503)

    # Outermost, so no middleware or handler reads a body before its size is checked.
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit_for)
    return app
