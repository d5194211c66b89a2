"""An office user's two-factor login: turn it on (QR code, one code to confirm, recovery
codes shown once), new recovery codes, turn it off. The rules are app.services.two_factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.deps import CurrentUser, SessionDep
from app.errors import Denied, Invalid
from app.i18n import _
from app.models import User
from app.models.base import row_id
from app.security import verify_password
from app.services import two_factor
from app.settings import get_settings
from app.web import flash, redirect, render

router = APIRouter(prefix="/account/two-factor", include_in_schema=False)
SETUP_SECONDS = 900  # time to scan the code and type the first one


def _setups() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key(), salt="two-factor-setup")


def _office(db, user: User) -> User:
    """The logged-in office user as stored in this request's session (the session lookup's
    copy is detached: changes to it would not be saved)."""
    if not two_factor.may_use(user):
        raise Denied("Not found")
    stored = db.get(User, row_id(user))
    assert stored is not None  # the logged-in user exists
    return stored


def _page(
    request: Request,
    db,
    user: User,
    *,
    errors=None,
    codes=None,
    notice="",
    secret=None,
    status=200,
):
    context: dict = {
        "errors": errors or {},
        "codes": codes,
        "notice": notice,
        "enabled": two_factor.enabled(user),
    }
    if context["enabled"]:
        context["unused"] = two_factor.unused_recovery_codes(db, user=user)
    else:
        secret = secret or two_factor.new_secret()
        context |= {
            "setup": _setups().dumps({"user": row_id(user), "secret": secret}),
            "secret": two_factor.grouped(secret),
            "qr": two_factor.qr_svg(two_factor.provisioning_uri(user, secret)),
            "required": two_factor.setup_required(user),
        }
    return render(request, "account/two_factor.html", context, status_code=status)


@router.get("")
def show(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    return _page(request, db, _office(db, user))


@router.post("/enable")
def enable(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    setup: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    user = _office(db, user)
    try:
        held = _setups().loads(setup, max_age=SETUP_SECONDS)
    except BadSignature:
        held = None
    if not isinstance(held, dict) or held.get("user") != row_id(user):
        errors = {"code": _("Start again: the setup expired.")}
        return _page(request, db, user, errors=errors, status=422)
    try:
        codes = two_factor.enable(db, user=user, secret=str(held["secret"]), code=code)
    except Invalid as exc:
        errors = {exc.field or "code": exc.message}
        return _page(request, db, user, errors=errors, secret=str(held["secret"]), status=422)
    return _page(request, db, user, codes=codes, notice=_("Two-factor login is on."))


@router.post("/recovery-codes")
def recovery_codes(
    request: Request, db: SessionDep, user: CurrentUser, password: Annotated[str, Form()] = ""
) -> Response:
    user = _office(db, user)
    if not two_factor.enabled(user):
        return redirect(request, "/account/two-factor")
    if not verify_password(user.password_hash, password):
        return _page(request, db, user, errors={"password": _("Wrong password.")}, status=422)
    codes = two_factor.new_recovery_codes(db, user=user)
    notice = _("New recovery codes made; the old ones no longer work.")
    return _page(request, db, user, codes=codes, notice=notice)


@router.post("/disable")
def disable(
    request: Request, db: SessionDep, user: CurrentUser, password: Annotated[str, Form()] = ""
) -> Response:
    user = _office(db, user)
    try:
        two_factor.disable(db, user=user, password=password)
    except Invalid as exc:
        return _page(request, db, user, errors={"off-password": exc.message}, status=422)
    return flash(redirect(request, "/account/two-factor"), _("Two-factor login is off."), "success")
