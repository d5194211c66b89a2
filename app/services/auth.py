"""Logging in and out, sessions, throttling, and creating users."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from app.errors import Invalid
from app.i18n import _
from app.models import ManagerRegion, Role, SecurityEventKind, User, UserSession, utcnow
from app.models.base import row_id
from app.security import hash_password, needs_rehash, new_token, token_digest, verify_password
from app.services import security_log, throttle, two_factor
from app.services.csv_import import FieldErrors
from app.services.passwords import password_problem
from app.settings import get_settings

USERNAME_MAX = 64  # usernames are stored at most this long (the security log keeps them)


def authenticate(
    db: Session, *, username: str, password: str, address: str, known_device: bool
) -> User:
    """The user for good credentials, counted by `app.services.throttle` either way.

    Commits once, early: the attempt must be stored before the password is checked (so
    concurrent guesses cannot outrun the count), and the slow hash must then run with no
    transaction open (on SQLite a login would otherwise hold the write lock that every
    autosave waits for). The same commit keeps the attempt in the security log as a failure,
    which only a right password turns into a login: a failed request's rollback cannot
    remove it.
    """
    username = username.strip().lower()[:USERNAME_MAX]
    keys = throttle.keys_for(username, address[:64], known_device=known_device)
    throttle.reserve(db, keys)
    user = db.exec(select(User).where(User.username == username)).first()
    event = security_log.login_attempt(db, username=username, address=address)
    db.commit()
    if not verify_password(user.password_hash if user else None, password) or not (
        user and user.active
    ):
        raise Invalid(_("Wrong username or password."), field="password")
    security_log.login_succeeded(db, event=event, user=user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.add(user)
    throttle.release(db, keys)
    throttle.purge(db)
    return user


def second_factor(db: Session, *, user: User, code: str, address: str) -> None:
    """The login's second step, throttled like the password: six digits are guessed fast.

    Counted and committed before the code is checked, as `authenticate` does, so a failed
    code stays counted and logged; a right one takes its count back.
    """
    keys = throttle.keys_for(f"2fa:{user.username}", address[:64], known_device=True)
    throttle.reserve(db, keys)
    event = security_log.record(
        db,
        kind=SecurityEventKind.login_failed,
        user_id=row_id(user),
        username=user.username,
        address=address,
        detail="two-factor code",
    )
    db.commit()
    how = two_factor.check(db, user=user, code=code)
    event.kind, event.detail = SecurityEventKind.login, f"two-factor: {how}"
    db.add(event)
    throttle.release(db, keys)


def start_session(db: Session, *, user: User) -> str:
    """Create a server-side session and return the cookie token (only its digest is stored)."""
    token = new_token()
    days = get_settings().session_days
    db.add(
        UserSession(
            id=token_digest(token),
            user_id=row_id(user),
            csrf_token=new_token(),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


# Built once: every request looks its session up, and building the statement each time
# (columns compared, joined, cache key derived) cost as much as running it.
SESSION_LOOKUP = (
    select(UserSession, User)
    .join(User, col(User.id) == UserSession.user_id)
    .where(col(UserSession.id) == bindparam("digest"), col(User.active))
)


def session_for_token(db: Session, token: str | None) -> tuple[UserSession, User] | None:
    """The live session and active user behind a cookie token, if any."""
    if not token:
        return None
    row = db.exec(SESSION_LOOKUP, params={"digest": token_digest(token)}).first()
    if row is None:
        return None
    session, user = row
    now = utcnow()
    if session.expires_at <= now or now - (session.last_seen_at or session.created_at) > idle_limit(
        user
    ):
        return None
    return session, user


SEEN_EVERY = timedelta(minutes=5)  # how stale `last_seen_at` may get before it is written


def idle_limit(user: User) -> timedelta:
    """How long a session may go unused: shoppers' phones longer than office browsers."""
    settings = get_settings()
    hours = settings.idle_hours_shopper if user.role == Role.shopper else settings.idle_hours_office
    return timedelta(hours=hours)


def needs_seen(session: UserSession, *, now: datetime | None = None) -> bool:
    """Whether this request should record the session as used (a write every few minutes)."""
    return (now or utcnow()) - (session.last_seen_at or session.created_at) >= SEEN_EVERY


def mark_seen(db: Session, *, session_id: str, now: datetime | None = None) -> None:
    stored = db.get(UserSession, session_id)
    if stored is not None:
        stored.last_seen_at = now or utcnow()
        db.add(stored)


def end_session(db: Session, *, token: str | None) -> None:
    if token:
        db.exec(delete(UserSession).where(col(UserSession.id) == token_digest(token)))


def create_user(
    db: Session,
    *,
    username: str,
    name: str,
    role: str,
    password: str,
    language: str = "",
    email: str = "",
    region_ids: list[int] | None = None,
    home_region_id: int | None = None,
) -> User:
    """Create an account; managers get their regions in the same step."""
    username = username.strip().lower()
    if not username:
        raise Invalid(_("Username is required."), field="username")
    if len(username) > USERNAME_MAX:
        raise Invalid(
            _("Username: at most %(num)s characters.", num=USERNAME_MAX), field="username"
        )
    if role not in Role.__members__:
        raise Invalid(_("Unknown role."), field="role")
    problem = password_problem(password, username=username)
    if problem:
        raise Invalid(problem, field="password")
    if db.exec(select(User).where(User.username == username)).first():
        raise Invalid(_("That username is taken."), field="username")
    user = User(
        username=username,
        name=name.strip() or username,
        role=role,
        password_hash=hash_password(password),
        language=language,
        email=email,
        home_region_id=home_region_id,
    )
    db.add(user)
    db.flush()
    for region_id in region_ids or []:
        db.add(ManagerRegion(user_id=row_id(user), region_id=region_id))
    return user


def change_password(
    db: Session, *, user: User, keep_session: str, current: str, new: str, confirm: str
) -> None:
    """The user's own change: the current password proves it is them; every other session ends.

    The hashes are checked and made before the first statement, so no write lock is held
    while they run (see `authenticate`).
    """
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        errors["current"] = _("The current password is not right.")
    problem = password_problem(new, username=user.username)
    if problem:
        errors["new"] = problem
    elif new != confirm:
        errors["confirm"] = _("The two new passwords differ.")
    elif new == current:
        errors["new"] = _("The new password is the same as the current one.")
    if errors:
        raise FieldErrors(errors)
    new_hash = hash_password(new)
    stored = db.get(User, row_id(user))
    assert stored is not None  # the logged-in user exists
    stored.password_hash = new_hash
    db.add(stored)
    db.exec(
        delete(UserSession).where(
            col(UserSession.user_id) == stored.id, col(UserSession.id) != keep_session
        )
    )
