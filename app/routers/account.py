"""Login (the password, then the two-factor code when the account has it), logout and the
language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from app.deps import (
    LANGUAGE_COOKIE,
    AuthDep,
    CurrentUser,
    SessionDep,
    client_address,
    session_cookie_name,
)
from app.errors import DomainError
from app.i18n import _, normalize_language
from app.models import User
from app.models.base import row_id
from app.services import auth, two_factor
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
    if two_factor.enabled(user):  # the password is right: now the second step
        response = redirect(request, f"/login/code?next={quote(_safe_next(next))}")
        response.set_cookie(
            PENDING_COOKIE,
            _pending_serializer().dumps(row_id(user)),
            httponly=True,
            samesite="lax",
            secure=get_settings().secure_cookies,
            max_age=PENDING_SECONDS,
        )
        return response
    return _logged_in(request, db, user, next)


def _logged_in(request: Request, db: SessionDep, user: User, next: str) -> Response:
    """Start the session and set its cookies (after the password, and the code when asked)."""
    token = auth.start_session(db, user=user)
    target = "/account/two-factor" if two_factor.setup_required(user) else _safe_next(next)
    response = redirect(request, target)
    response.delete_cookie(PENDING_COOKIE)
    settings = get_settings()
    response.set_cookie(
        session_cookie_name(),
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


PENDING_COOKIE = "sm_2fa"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


def _pending_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key(), salt="two-factor-login")


def _pending_user(request: Request, db: SessionDep) -> User | None:
    """The account whose password was right a moment ago, from its signed cookie."""
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return None
    try:
        user_id = _pending_serializer().loads(raw, max_age=PENDING_SECONDS)
    except BadSignature:
        return None
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    return user if user and user.active and two_factor.enabled(user) else None


@router.get("/login/code")
def login_code_form(request: Request, db: SessionDep, next: str = "/") -> Response:
    if _pending_user(request, db) is None:
        return redirect(request, f"/login?next={quote(_safe_next(next))}")
    return render(request, "login_code.html", {"next": _safe_next(next)})


@router.post("/login/code")
def login_code(
    request: Request,
    db: SessionDep,
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = _pending_user(request, db)
    if user is None:
        message = _("The login took too long. Enter your password again.")
        return flash(redirect(request, f"/login?next={quote(_safe_next(next))}"), message, "error")
    try:
        auth.second_factor(db, user=user, code=code, address=client_address(request))
    except DomainError as exc:
        context = {"next": _safe_next(next), "error": exc.message}
        status = exc.status if exc.status == 429 else 400
        return render(request, "login_code.html", context, status_code=status)
    return _logged_in(request, db, user, next)


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
    auth.end_session(db, token=request.cookies.get(session_cookie_name()))
    response = redirect(request, "/login")
    response.delete_cookie(session_cookie_name(), secure=get_settings().secure_cookies)
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
