"""Password rules for board accounts (issue 27): at least 12 characters, not a common password.

The list (common_passwords.txt beside this file) holds obvious entries of well-known common-password
lists and this project's own words; a password is refused when it is one of them, or one of them with
digits and punctuation around it („Passwort2026!“), or one short piece repeated.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_CHARS = 12
MAX_CHARS = 1024  # argon2 hashes anything, but a megabyte password is an attack
LIST = Path(__file__).with_name("common_passwords.txt")
PADDING = "0123456789!?.,;:-_+*#@$%&/()=[]{}<>'\"^~ "


@lru_cache(maxsize=1)
def common() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def problem(password: str, name: str = "") -> str | None:
    """Why this password is refused (German, for the admin page and the CLI), or None."""
    if len(password) < MIN_CHARS:
        return f"Das Passwort braucht mindestens {MIN_CHARS} Zeichen."
    if len(password) > MAX_CHARS:
        return f"Das Passwort darf höchstens {MAX_CHARS} Zeichen haben."
    folded = password.casefold()
    core = folded.strip(PADDING)
    if folded in common() or core in common() or len(set(folded)) <= 3:
        return "Dieses Passwort steht auf der Liste häufiger Passwörter. Bitte ein anderes wählen."
    if any(len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size) for size in range(1, 5)):
        return "Das Passwort wiederholt nur ein kurzes Stück. Bitte ein anderes wählen."
    if name and len(name.strip()) >= 3 and name.strip().casefold() in folded:
        return "Das Passwort enthält den Namen des Kontos. Bitte ein anderes wählen."
    return None
