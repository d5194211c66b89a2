"""Login, logout and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import LANGUAGE_COOKIE, SESSION_COOKIE, AuthDep, SessionDep
from app.errors import DomainError
from app.i18n import normalize_language
from app.services import auth
from app.settings import get_settings
from app.web import redirect, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login form cannot bounce users to another one.

    The phone's "Log in" button sends the open visit's path here, so the shopper comes back
    to it (and its waiting changes are sent). Browsers read a backslash as a slash and drop
    tabs and newlines, which would turn "/" plus one of them plus "/evil.example" into
    another site: any backslash or control character is refused too.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, auth_: AuthDep, next: str = "/") -> Response:
    if auth_:
        return redirect(request, _safe_next(next))
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else "unknown"
    try:
        user = auth.authenticate(db, username=username, password=password, address=address)
    except DomainError as exc:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": exc.message, "username": username},
            status_code=exc.status if exc.status == 429 else 400,
        )
    token = auth.start_session(db, user=user)
    response = redirect(request, _safe_next(next))
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_days * 86400,
    )
    if user.language:  # the account's saved language follows it to every device
        _set_language_cookie(response, user.language)
    return response


def _set_language_cookie(response: Response, language: str) -> None:
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 86400)


@router.post("/logout")
def logout(request: Request, db: SessionDep) -> Response:
    auth.end_session(db, token=request.cookies.get(SESSION_COOKIE))
    response = redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def switch_language(
    request: Request,
    db: SessionDep,
    auth_: AuthDep,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Remember the choice on the account when logged in, else in a cookie."""
    chosen = normalize_language(language) or get_settings().default_language
    if auth_:
        auth_[1].language = chosen
        db.add(auth_[1])
    response = redirect(request, _safe_next(next))
    _set_language_cookie(response, chosen)
    return response
