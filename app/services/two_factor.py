"""TOTP two-factor login for office accounts (RFC 6238, as authenticator apps speak it).

An office user (HQ, manager, reviewer) may turn it on from their account page: the app
shows a new secret as a QR code and as text, and keeps it once the user proves with one
code that their app has it. Ten single-use recovery codes are shown once then (only their
digests are stored). With `REQUIRE_TOTP_FOR_HQ`, HQ accounts reach no HQ page before they
have turned it on. Shoppers never see any of it: their phones are shared less with the
office than with the field, and a code screen would be one more thing that stands out.

Codes are checked with one step of clock drift either way, and each accepted step is
remembered so a code seen over a shoulder cannot be used again.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup
from sqlmodel import Session, col, delete, select

from app.errors import Invalid
from app.i18n import _
from app.models import RecoveryCode, Role, SecurityEventKind, User, utcnow
from app.models.base import row_id
from app.security import token_digest, verify_password
from app.services import security_log
from app.settings import get_settings

OFFICE_ROLES = frozenset({Role.admin, Role.manager, Role.reviewer})
ISSUER = "ShopMirror"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def may_use(user: User) -> bool:
    """Office roles only; shoppers' screens have no second step."""
    return user.role in OFFICE_ROLES


def enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def setup_required(user: User) -> bool:
    """HQ must turn it on first when the setting says so."""
    return user.role == Role.admin and get_settings().require_totp_for_hq and not enabled(user)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The secret as an inline SVG QR code (drawn here: nothing is sent to another site)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return Markup(svg)  # segno's own markup from our URI, no user HTML


def grouped(secret: str) -> str:
    """The secret as it is typed into an app by hand: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before or one after) whose code this is, or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp, step = pyotp.TOTP(secret), _step(now)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def _wrong_code() -> Invalid:
    return Invalid(_("That code is not right, or was used already."), field="code")


def enable(
    db: Session, *, user: User, secret: str, code: str, now: datetime | None = None
) -> list[str]:
    """Turn it on once a code from the user's app proves the app holds ``secret``;
    returns the new recovery codes, shown to the user once."""
    if not may_use(user):
        raise Invalid(_("Two-factor login is for office accounts."), field="code")
    if enabled(user):
        raise Invalid(_("Two-factor login is on already."), field="code")
    if len(secret) < 16 or any(c not in _BASE32 for c in secret):
        raise Invalid(_("Start again: the setup expired."), field="code")
    now = now or utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise _wrong_code()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    db.add(user)
    security_log.record(
        db,
        kind=SecurityEventKind.two_factor,
        user_id=row_id(user),
        username=user.username,
        detail="turned on",
    )
    return new_recovery_codes(db, user=user)


def new_recovery_codes(db: Session, *, user: User) -> list[str]:
    """Ten fresh single-use codes; the old ones stop working."""
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == row_id(user)))
    codes = [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    db.add_all(RecoveryCode(user_id=row_id(user), code_hash=_digest(c)) for c in codes)
    return codes


def _digest(code: str) -> str:
    return token_digest("".join(code.lower().split()).replace("-", ""))


def unused_recovery_codes(db: Session, *, user: User) -> int:
    rows = db.exec(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == row_id(user), col(RecoveryCode.used_at).is_(None)
        )
    )
    return len(rows.all())


def check(db: Session, *, user: User, code: str, now: datetime | None = None) -> str:
    """The login's second step: a code of the app, or a recovery code (used up).
    Returns how it was proved ("app" or "recovery code"); raises Invalid otherwise."""
    now = now or utcnow()
    if enabled(user):
        assert user.totp_secret is not None
        step = _matching_step(user.totp_secret, code, now)
        if step is not None and step > (user.totp_last_step or -1):
            user.totp_last_step = step
            db.add(user)
            return "app"
    if "".join(code.split()).isdigit():
        raise _wrong_code()
    found = db.exec(
        select(RecoveryCode).where(
            RecoveryCode.user_id == row_id(user),
            RecoveryCode.code_hash == _digest(code),
            col(RecoveryCode.used_at).is_(None),
        )
    ).first()
    if found is None:
        raise _wrong_code()
    found.used_at = now
    db.add(found)
    return "recovery code"


def disable(db: Session, *, user: User, password: str, actor: User | None = None) -> None:
    """Turn it off: by the user with their password, or by HQ for a lost phone (``actor``)."""
    if actor is None and not verify_password(user.password_hash, password):
        raise Invalid(_("Wrong password."), field="password")
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.add(user)
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == row_id(user)))
    who = actor or user
    security_log.record(
        db,
        kind=SecurityEventKind.two_factor,
        user_id=row_id(who),
        username=who.username,
        detail=f"turned off for {user.username}" if actor else "turned off",
    )
