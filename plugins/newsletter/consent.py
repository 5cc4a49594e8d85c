"""The sign-up form's consent sentence, versioned: the archive page shows the current one, the
sign-up endpoint (scheduler/newsletter/signup.py) stores the version a person agreed to.

A changed sentence gets a new version; old versions stay here, because the store refers to them
(the export prints the text a subscriber agreed to).
"""

from __future__ import annotations

SIGNUP_PATH = "newsletter/anmelden"
CONFIRM_PATH = "newsletter/bestaetigen"
UNSUBSCRIBE_PATH = "newsletter/abmelden"

CONSENT_TEXTS = {
    "2026-12-v1": (
        "Ja, schickt mir einmal im Monat den So-ist-S-Newsletter der Wirtschaftsförderung Region "
        "Stuttgart an diese Adresse. Gespeichert werden nur meine Adresse und wann ich mich angemeldet "
        "und bestätigt habe. Abmelden kann ich mich jederzeit über den Link in jeder Mail."
    ),
}
CURRENT_VERSION = "2026-12-v1"


def consent_text(version: str = CURRENT_VERSION) -> str:
    return CONSENT_TEXTS[version]
