"""What makes a new password acceptable: one rule for the admin's forms, CSV imports,
account creation and the user's own change of password (OWASP ASVS 5.0, V6).

At least 8 characters, not the username, and not one of the common passwords shipped
in `app/data/common-passwords.txt` (compared ignoring case).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.i18n import _

MIN_PASSWORD = 8
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why this password may not be used (translated), or None when it is fine."""
    if len(password) < MIN_PASSWORD:
        return _("Password must be at least 8 characters.")
    lowered = password.lower()
    if username and lowered == username.strip().lower():
        return _("The password may not be the username.")
    if lowered in common_passwords():
        return _("This password is too common. Choose one that is harder to guess.")
    return None
