"""Login, logout and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeSerializer

from app.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    AuthDep,
    CurrentUser,
    SessionDep,
    client_address,
)
from app.errors import DomainError
from app.i18n import _, normalize_language
from app.services import auth
from app.services.csv_import import FieldErrors
from app.settings import get_settings
from app.web import flash, redirect, render

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


DEVICE_COOKIE = "sm_device"


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().resolved_secret_key(), salt="device")


def _device_user(request: Request) -> str | None:
    """The account this browser last logged in to (signed): its owner is not throttled
    by failures other devices caused (see app.services.throttle)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = _device_serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


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
    address = client_address(request)
    try:
        user = auth.authenticate(
            db,
            username=username,
            password=password,
            address=address,
            known_device=_device_user(request) == username.strip().lower(),
        )
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
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(user.username),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=365 * 86400,
    )
    if user.language:  # the account's saved language follows it to every device
        _set_language_cookie(response, user.language)
    return response


def _set_language_cookie(response: Response, language: str) -> None:
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 86400)


@router.get("/account/password")
def password_form(request: Request, user: CurrentUser) -> Response:
    return render(request, "account/password.html", {"errors": {}})


@router.post("/account/password")
def change_password(
    request: Request,
    db: SessionDep,
    auth_: AuthDep,
    user: CurrentUser,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    assert auth_ is not None  # CurrentUser has refused anonymous requests
    try:
        auth.change_password(
            db, user=user, keep_session=auth_[0].id, current=current, new=new, confirm=confirm
        )
    except FieldErrors as exc:
        context = {"errors": exc.errors}
        return render(request, "account/password.html", context, status_code=422)
    message = _("Password changed. You were logged out on every other device.")
    return flash(redirect(request, "/"), message, "success")


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
