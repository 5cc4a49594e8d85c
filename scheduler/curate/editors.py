"""Editor accounts for the review board: a name, an argon2id hash of the password, a role.

The board records who did what under this name (the audit trail's actor). Passwords are
never stored or logged; the hash carries its own parameters, so raising them later rehashes
each password at the next login. Every change of role, password or state raises the account's
session_epoch, which ends the sessions signed in before (the board checks it on every request);
every change is a board event (who changed whom, when) for the audit view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.curate import passwords
from scheduler.store.models import BoardEvent, EditorAccount, utcnow

MIN_PASSWORD_CHARS = passwords.MIN_CHARS
MAX_PASSWORD_CHARS = passwords.MAX_CHARS
MAX_NAME_CHARS = 60
ROLES = ("lesen", "redaktion", "veroeffentlichen", "verwaltung")  # labels and rights: review/roles.py
DEFAULT_ROLE = "redaktion"
HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 defaults


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class AccountInfo:
    name: str
    created: datetime
    last_login: datetime | None
    role: str = DEFAULT_ROLE
    disabled: bool = False
    totp: bool = False  # enrolled
    totp_required: bool = False


@dataclass(frozen=True)
class AccountState:
    """What the board checks on every request: cheap, one indexed row."""
    name: str
    role: str
    disabled: bool
    epoch: int


def check_name(name: str) -> str:
    """Names are shown on the board and written into the audit trail: printable, short."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise AccountError(f"Ein Name hat 1–{MAX_NAME_CHARS} druckbare Zeichen.")
    return name


def check_password(password: str, name: str = "") -> str:
    why = passwords.problem(password, name)
    if why:
        raise AccountError(why)
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Unbekannte Rolle {role!r}; möglich: {', '.join(ROLES)}.")
    return role


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown names, so a login takes as long whether the name exists or not."""
    return HASHER.hash("no such account, but the same work")


def _account(session: Session, name: str) -> EditorAccount:
    account = session.scalar(select(EditorAccount).where(EditorAccount.name == name.strip()))
    if account is None:
        raise AccountError(f"Ein Konto {name.strip()!r} gibt es nicht.")
    return account


def _event(session: Session, actor: str, action: str, subject: str, detail: str = "") -> None:
    session.add(BoardEvent(at=utcnow(), actor=actor, action=action, subject=subject, detail=detail))


def _info(row: EditorAccount) -> AccountInfo:
    return AccountInfo(row.name, row.created_utc, row.last_login_utc, row.role, row.disabled,
                       row.totp_secret is not None, row.totp_required)


def add_account(session: Session, name: str, password: str, role: str | None = None,
                actor: str = "cli") -> AccountInfo:
    """`role` None: the first account is Verwaltung (someone must administer the others), later ones
    Redaktion."""
    name = check_name(name)
    role = check_role(role or ("verwaltung" if not has_accounts(session) else DEFAULT_ROLE))
    password = check_password(password, name)
    if session.scalar(select(EditorAccount).where(EditorAccount.name == name)) is not None:
        raise AccountError(f"Ein Konto {name!r} gibt es schon.")
    account = EditorAccount(name=name, password_hash=HASHER.hash(password), created_utc=utcnow(), role=role,
                            disabled=False, session_epoch=0, totp_required=False)
    session.add(account)
    _event(session, actor, "account_add", name, role)
    session.flush()
    return _info(account)


def keep_an_administrator(session: Session) -> None:
    """Never leave the board without an active Verwaltung account while accounts remain (the caller's
    transaction rolls back): for the Konten page and the CLI alike."""
    session.flush()
    remaining = list_accounts(session)
    if remaining and not any(a.role == "verwaltung" and not a.disabled for a in remaining):
        raise AccountError("Mindestens ein aktives Konto muss die Rolle Verwaltung behalten.")


def set_role(session: Session, name: str, role: str, actor: str = "cli") -> None:
    account, role = _account(session, name), check_role(role)
    if account.role != role:
        _event(session, actor, "account_role", account.name, f"{account.role} → {role}")
        account.role, account.session_epoch = role, account.session_epoch + 1
        keep_an_administrator(session)


def reset_password(session: Session, name: str, password: str, actor: str = "cli") -> None:
    account = _account(session, name)
    account.password_hash = HASHER.hash(check_password(password, account.name))
    account.session_epoch += 1
    _event(session, actor, "account_password", account.name)


def set_disabled(session: Session, name: str, disabled: bool, actor: str = "cli") -> None:
    account = _account(session, name)
    account.disabled, account.session_epoch = disabled, account.session_epoch + 1
    _event(session, actor, "account_disable" if disabled else "account_enable", account.name)
    keep_an_administrator(session)


def set_totp(session: Session, name: str, secret: str | None, actor: str) -> None:
    """Enrol (a base32 secret) or drop the second factor; ends the other sessions too."""
    account = _account(session, name)
    account.totp_secret, account.session_epoch = secret, account.session_epoch + 1
    _event(session, actor, "totp_enrol" if secret else "totp_reset", account.name)


def require_totp(session: Session, name: str, required: bool, actor: str) -> None:
    account = _account(session, name)
    account.totp_required = required
    _event(session, actor, "totp_required" if required else "totp_optional", account.name)


def remove_account(session: Session, name: str, actor: str = "cli") -> bool:
    account = session.scalar(select(EditorAccount).where(EditorAccount.name == name.strip()))
    if account is None:
        return False
    _event(session, actor, "account_remove", account.name)
    session.delete(account)
    keep_an_administrator(session)
    return True


def list_accounts(session: Session) -> list[AccountInfo]:
    return [_info(row) for row in session.scalars(select(EditorAccount).order_by(EditorAccount.name)).all()]


def has_accounts(session: Session) -> bool:
    return session.scalar(select(EditorAccount.id).limit(1)) is not None


def account_state(session: Session, name: str) -> AccountState | None:
    row = session.execute(select(EditorAccount.name, EditorAccount.role, EditorAccount.disabled,
                                 EditorAccount.session_epoch).where(EditorAccount.name == name)).first()
    return AccountState(*row) if row else None


def totp_secret(session: Session, name: str) -> tuple[str | None, bool]:
    row = session.execute(select(EditorAccount.totp_secret, EditorAccount.totp_required)
                          .where(EditorAccount.name == name)).first()
    return (row[0], row[1]) if row else (None, False)


def verify_login(session: Session, name: str, password: str) -> str | None:
    """The account's name when the password matches and the account is not disabled, else None.
    Unknown names are verified against a dummy hash: the same cost either way."""
    if len(password) > MAX_PASSWORD_CHARS or len(name) > MAX_NAME_CHARS:
        return None
    account = session.scalar(select(EditorAccount).where(EditorAccount.name == name.strip()))
    try:
        HASHER.verify(account.password_hash if account else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    if HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = HASHER.hash(password)
    account.last_login_utc = utcnow()
    return account.name
