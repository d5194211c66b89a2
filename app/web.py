"""Rendering: one Jinja environment, full pages or a block of them for HTMX.

A fragment is a named block of the page's own template, so a page and its
HTMX update never drift apart. Responses say `Vary: HX-Request` so caches keep
the two apart.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.i18n import content_language, current_language, gettext, ngettext
from app.models import Role, states
from app.scoring import text_for
from app.settings import get_settings

TEMPLATE_DIR = Path(__file__).parent / "templates"
FLASH_COOKIE = "sm_flash"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


NAV: dict[str, list[tuple[str, str]]] = {
    Role.shopper: [("/", N_("My visits"))],
    Role.reviewer: [("/", N_("Home")), ("/review", N_("Review")), ("/disputes", N_("Disputes"))],
    Role.manager: [
        ("/", N_("Home")),
        ("/scorecards", N_("Scorecards")),
        ("/disputes", N_("Disputes")),
    ],
    Role.admin: [
        ("/", N_("Dashboard")),
        ("/admin/checklists", N_("Checklists")),
        ("/admin/waves", N_("Waves")),
        ("/admin/branches", N_("Branches")),
        ("/admin/users", N_("Users")),
        ("/review", N_("Review")),
        ("/admin/agencies", N_("Agencies")),
        ("/scorecards", N_("Scorecards")),
        ("/disputes", N_("Disputes")),
        ("/reports", N_("Reports")),
    ],
}


def localtime(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """A UTC timestamp shown in the branch's zone (or UTC) in the reader's language."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    return format_datetime(value.astimezone(zone), format=fmt, locale=current_language.get())


def localdate(value, fmt: str = "medium") -> str:
    return format_date(value, format=fmt, locale=current_language.get()) if value else ""


def translate_text(value: str | dict[str, str] | None) -> str:
    """User-entered text (a plain string or a language map) in the reader's language."""
    if not value:
        return ""
    return text_for(value, content_language(current_language.get()))


def _make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals["_"] = gettext
    env.filters["localtime"] = localtime
    env.filters["localdate"] = localdate
    env.filters["tr"] = translate_text
    env.globals["states"] = states  # state enums: templates show `states.X.label_of(value)`
    env.globals["ui"] = env.get_template("macros.html").module
    return env


env = _make_env()


def _flash_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().resolved_secret_key(), salt="flash")


def flash(response: Response, message: str, kind: str = "info") -> Response:
    """Show a message on the next page (kept in a signed cookie, read once)."""
    value = _flash_serializer().dumps([kind, message])
    response.set_cookie(FLASH_COOKIE, value, httponly=True, samesite="lax", max_age=60)
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


def render_html(template: str, context: dict[str, Any], *, block: str | None = None) -> str:
    """Render a template, or only one of its blocks, to a string."""
    tmpl = env.get_template(template)
    if block is None:
        return tmpl.render(context)
    return "".join(tmpl.blocks[block](tmpl.new_context(context)))


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
