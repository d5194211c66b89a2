"""FastAPI dependencies: the DB session, the current user, role checks, CSRF.

Routers declare what they need with the `Annotated` aliases at the bottom. Dependencies
that never wait (no database, no file) are `async def`: FastAPI runs a plain `def` one in
the thread pool, a hop per dependency, and an autosave went through eight of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.client_address import Network, parse_networks, resolve
from app.db import new_session, session_scope
from app.errors import Denied, Forbidden
from app.models import Role, User, UserSession
from app.security import new_token, same
from app.services import audit_trail, two_factor
from app.services.auth import mark_seen, needs_seen, session_for_token
from app.settings import get_settings

SESSION_COOKIE = "sm_session"
# Behind https the session cookie is "__Host-" prefixed: browsers then take it only with
# Secure, Path=/ and no Domain, so neither a subdomain nor plain http can set or replace it.
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE


def session_cookie_name() -> str:
    return SECURE_SESSION_COOKIE if get_settings().secure_cookies else SESSION_COOKIE


PRE_CSRF_COOKIE = "sm_csrf"
LANGUAGE_COOKIE = "sm_lang"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form."""


class TwoFactorSetupRequired(Exception):
    """An HQ account without two-factor login while REQUIRE_TOTP_FOR_HQ is on."""


class CsrfFailed(Exception):
    """A state-changing request without the page's token."""


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler succeeds."""
    with new_session(write=request.method not in SAFE_METHODS) as db:
        try:
            yield db
            db.commit()
        except Exception:
            db.rollback()
            raise


def client_address(request: Request) -> str:
    """The address a request came from: the one answer login throttling, the security log
    and the audit trail use (X-Forwarded-For only from `TRUSTED_PROXIES`)."""
    return resolve(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        _networks(get_settings().trusted_proxies),
    )


@lru_cache(maxsize=4)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(proxies)


async def get_auth_db() -> Callable[[], AbstractContextManager[Session]]:
    """Opens a short read-only session just for the login lookup, closed right after it.

    Kept apart from the request's session so that, on SQLite, the write lock is first
    taken inside the handler's own thread: if a dependency took it, the request would
    then wait for a free worker thread while holding it, and a burst of posts could
    leave every worker waiting on a lock whose holder has no thread to finish in.
    Closed at once so a request never holds two pooled connections.
    """
    return lambda: new_session(write=False)


def get_auth(
    request: Request,
    open_session: Annotated[Callable[[], AbstractContextManager[Session]], Depends(get_auth_db)],
) -> tuple[UserSession, User] | None:
    """Resolve the cookie to a session and user (the language was set by middleware)."""
    with open_session() as db:
        found = session_for_token(db, request.cookies.get(session_cookie_name()))
        if found:
            # Detached: usable after this lookup's session closes, and a rollback of the
            # request's session cannot expire them (error pages still show the navigation).
            db.expunge(found[0])
            db.expunge(found[1])
            if needs_seen(found[0]):  # every few minutes: a write with no read before it
                db.commit()
                try:
                    mark_seen(db, session_id=found[0].id)
                    db.commit()
                except OperationalError:  # busy: the next request records it instead
                    db.rollback()
    user = found[1] if found else None
    request.state.user = user
    if found:
        request.state.csrf_token = found[0].csrf_token
    else:
        request.state.csrf_token = request.cookies.get(PRE_CSRF_COOKIE) or new_token()
        request.state.set_pre_csrf = PRE_CSRF_COOKIE not in request.cookies
    return found


def resolve_user_for_error_page(request: Request) -> None:
    """Errors raised before any dependency ran (an unknown URL) still know who is logged in."""
    if hasattr(request.state, "user"):
        return
    with new_session(write=False) as db:
        found = session_for_token(db, request.cookies.get(session_cookie_name()))
        if found:
            db.expunge_all()
        request.state.user = found[1] if found else None
        if found:
            request.state.csrf_token = found[0].csrf_token


AuthDep = Annotated[tuple[UserSession, User] | None, Depends(get_auth)]


async def get_request_db(
    request: Request,
    db: Annotated[Session, Depends(get_db, scope="function")],
    auth: AuthDep,
) -> Session:
    """The request's session, knowing who acts and from where (the audit trail reads it)."""
    audit_trail.set_actor(db, user=auth[1] if auth else None, address=client_address(request))
    return db


# scope="function": commit before the response is sent, so a client told "saved" (or
# redirected after logging in) never arrives before the data does.
SessionDep = Annotated[Session, Depends(get_request_db, scope="function")]


def get_log_db() -> Callable[[], AbstractContextManager[Session]]:
    """A transaction of its own for an event the failed request's rollback must not take along."""
    return lambda: session_scope()


async def csrf_protect(request: Request, auth: AuthDep) -> None:
    """Every state-changing request carries the token from a header (HTMX) or a form field."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get("csrf_token")
        sent = field if isinstance(field, str) else None
    expected = auth[0].csrf_token if auth else request.cookies.get(PRE_CSRF_COOKIE)
    if not same(str(sent) if sent else None, expected):
        raise CsrfFailed


# What an HQ account that must still turn on two-factor login may reach meanwhile.
SETUP_PATHS = ("/account/", "/logout", "/language")


async def get_current_user(request: Request, auth: AuthDep) -> User:
    if auth is None:
        raise LoginRequired
    if two_factor.setup_required(auth[1]) and not request.url.path.startswith(SETUP_PATHS):
        raise TwoFactorSetupRequired
    return auth[1]


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role):
    """A dependency that lets only these roles through (others get 404, no hint)."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Denied("Not found")
        return user

    return Depends(check)


AdminUser = Annotated[User, require_role(Role.admin)]
ReviewerUser = Annotated[User, require_role(Role.reviewer, Role.admin)]
ManagerUser = Annotated[User, require_role(Role.manager, Role.admin)]
ShopperUser = Annotated[User, require_role(Role.shopper)]

__all__ = ["AdminUser", "CurrentUser", "Forbidden", "ManagerUser", "SessionDep", "ShopperUser"]
