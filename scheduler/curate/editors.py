"""Editor accounts for the review board: a name and an argon2id hash of the password.

The board records who did what under this name (the audit trail's actor). Passwords are
never stored or logged; the hash carries its own parameters, so raising them later rehashes
each password at the next login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store.models import EditorAccount, utcnow

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # argon2 hashes anything, but a megabyte password is an attack
MAX_NAME_CHARS = 60
HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 defaults


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class AccountInfo:
    name: str
    created: datetime
    last_login: datetime | None


def check_name(name: str) -> str:
    """Names are shown on the board and written into the audit trail: printable, short."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise AccountError(f"a name is 1–{MAX_NAME_CHARS} printable characters")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise AccountError(f"a password has {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters")
    return password


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown names, so a login takes as long whether the name exists or not."""
    return HASHER.hash("no such account, but the same work")


def add_account(session: Session, name: str, password: str) -> AccountInfo:
    name, password = check_name(name), check_password(password)
    if session.scalar(select(EditorAccount).where(EditorAccount.name == name)) is not None:
        raise AccountError(f"an account named {name!r} exists already (remove it first to set a new password)")
    account = EditorAccount(name=name, password_hash=HASHER.hash(password), created_utc=utcnow())
    session.add(account)
    session.flush()
    return AccountInfo(account.name, account.created_utc, None)


def remove_account(session: Session, name: str) -> bool:
    account = session.scalar(select(EditorAccount).where(EditorAccount.name == name.strip()))
    if account is None:
        return False
    session.delete(account)
    return True


def list_accounts(session: Session) -> list[AccountInfo]:
    rows = session.scalars(select(EditorAccount).order_by(EditorAccount.name)).all()
    return [AccountInfo(row.name, row.created_utc, row.last_login_utc) for row in rows]


def has_accounts(session: Session) -> bool:
    return session.scalar(select(EditorAccount.id).limit(1)) is not None


def verify_login(session: Session, name: str, password: str) -> str | None:
    """The account's name when the password matches, else None (same cost either way)."""
    if len(password) > MAX_PASSWORD_CHARS or len(name) > MAX_NAME_CHARS:
        return None
    account = session.scalar(select(EditorAccount).where(EditorAccount.name == name.strip()))
    try:
        HASHER.verify(account.password_hash if account else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if account is None:
        return None
    if HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = HASHER.hash(password)
    account.last_login_utc = utcnow()
    return account.name
