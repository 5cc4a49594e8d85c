"""What the review board shows, as pure functions: views, actions, German dates, cards, messages.

The board speaks German; stored values (states, actions in URLs and forms) stay English.
State names come from the one mapping in scheduler.curate.labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from plugins.navigation.dates import BERLIN, german_date, german_time
from plugins.region.registry import UnknownMunicipality
from scheduler.curate import workflow
from scheduler.curate.labels import actor_label, state_label
from scheduler.publish.caption import post_credit
from scheduler.store.models import Post, State


@dataclass(frozen=True)
class Action:
    name: str  # the form value
    target: str  # the state it moves a post to
    label: str  # the button
    key: str  # the keyboard shortcut
    hint: str  # the shortcut legend


ACTIONS = (
    Action("approve", State.SHORTLISTED.value, "Freigeben", "a", "freigeben"),
    Action("reject", State.REJECTED.value, "Ablehnen", "r", "ablehnen"),
    Action("request", State.RIGHTS_REQUESTED.value, "Rechte angefragt", "q", "Rechte angefragt"),
    Action("granted", State.GRANTED.value, "Rechte erteilt", "g", "Rechte erteilt"),
    Action("declined", State.DECLINED.value, "Rechte abgelehnt", "d", "Rechte abgelehnt"),
    Action("reopen", State.COLLECTED.value, "Wieder öffnen", "o", "wieder öffnen"),
)
ACTION_BY_NAME = {action.name: action for action in ACTIONS}
EVIDENCE_ACTIONS = ("request", "granted", "declined")  # the note is also the consent evidence

VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {  # URL value → (label, states shown)
    "pending": ("Offen", workflow.PENDING),
    "granted": ("Rechte erteilt", (State.GRANTED.value,)),
    "rejected": ("Abgelehnt", (State.REJECTED.value,)),
    "all": ("Alle", tuple(s.value for s in State)),
}
DEFAULT_VIEW = "pending"

SHORTCUTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("j", "k"), "nächster/vorheriger Beitrag"),
    *(((action.key,), action.hint) for action in ACTIONS),
    (("m",), "Kommune eingeben"),
)

ERRORS: dict[int | str, tuple[str, str]] = {  # HTTP status (or "status-kind") → (title, explanation)
    400: ("Ungültige Anfrage", "Die Anfrage konnte nicht gelesen werden."),
    403: ("Zugriff verweigert", "Das Sicherheitstoken fehlt oder ist falsch. "
                                "Bitte die Übersicht neu laden und es noch einmal versuchen."),
    404: ("Seite nicht gefunden", "Diese Adresse gibt es in der Prüfung nicht."),
    405: ("Methode nicht erlaubt", "Diese Adresse nimmt keine Anfrage dieser Art an."),
    421: ("Unbekannte Adresse", "Die Prüfung antwortet nur unter 127.0.0.1 oder localhost."),
    401: ("Anmeldung nötig", "Bitte zuerst anmelden. Die Prüfung zeichnet jede Entscheidung mit dem Namen "
                             "der Person auf, die sie getroffen hat."),
    408: ("Zeitüberschreitung", "Die Anfrage kam nicht vollständig an. Bitte noch einmal versuchen."),
    413: ("Anfrage zu groß", "So viel nimmt die Prüfung in einer Anfrage nicht an."),
    429: ("Zu viele Anmeldeversuche", "Zu viele falsche Anmeldungen in kurzer Zeit. Bitte etwas warten und "
                                      "es dann erneut versuchen."),
    "429-busy": ("Gerade ausgelastet", "Die Prüfung prüft gerade viele Anmeldungen. Bitte in ein paar Sekunden "
                                       "erneut versuchen."),
    "403-role": ("Nicht erlaubt", "Diese Aktion gehört nicht zu Ihrer Rolle. Wer Konten verwaltet, kann Ihnen "
                                  "eine andere Rolle geben."),
    500: ("Interner Fehler", "Etwas ist schiefgegangen; nichts wurde gespeichert. Bitte die Übersicht neu laden."),
}
STALE_FORM = ("Die Seite ist veraltet (der Stand des Beitrags fehlt im Formular). Bitte die Übersicht neu laden "
              "und die Aktion wiederholen.")


def view_name(value: str | None) -> str:
    return value if value in VIEWS else DEFAULT_VIEW


def german_datetime(value: datetime) -> str:
    """An instant as Berlin time: "Mo., 23. November 2026, 18:00 Uhr" (docs/STYLEGUIDE.md)."""
    local = value.astimezone(BERLIN)
    return f"{german_date(local, 'weekday')}, {german_time(local)}"


def view_counts(per_state: dict[str, int]) -> dict[str, int]:
    return {name: sum(per_state.get(s, 0) for s in states) for name, (_, states) in VIEWS.items()}


def available_actions(state: str) -> list[Action]:
    allowed = workflow.TRANSITIONS.get(state, set())
    return [action for action in ACTIONS if action.target in allowed]


def last_decision(post: Post) -> dict | None:
    """The newest state change with its reason: why a post is where it is."""
    changes = [e for e in post.events if e.action == "transition"]
    if not changes:
        return None
    event = changes[-1]
    return {"reason": event.reason, "actor": actor_label(event.actor), "at": german_datetime(event.at)}


def consent_facts(post: Post) -> dict | None:
    consent = post.consent
    if consent is None:
        return None
    return {"status": state_label(consent.status), "evidence": consent.evidence, "credit": consent.credit or "",
            "requested": german_datetime(consent.requested_at) if consent.requested_at else "",
            "requested_by": consent.requested_by or "",
            "answered": german_datetime(consent.answered_at) if consent.answered_at else ""}


REVIEW_PREFIXES = (  # detection.py's short notes → whole German sentences for the card
    ("mehrdeutig: ", "{}."),
    ("außerhalb der Region: ", "Genannt ist ein Ort außerhalb der Region: {}."),
    ("mehrere Kommunen: ", "Der Beitrag nennt mehrere Kommunen: {}."),
    ("schwacher Hinweis ", "Der Hinweis ist schwach {}."),
)


def review_sentences(reason: str | None) -> list[str]:
    """Why a post's municipality is unclear, as whole sentences (the store keeps detection's notes)."""
    if not reason:
        return ["Es gibt keinen Hinweis auf den Ort."]
    sentences = []
    for part in (p.strip() for p in reason.split("; ") if p.strip()):
        if part == "kein Ortsname gefunden":
            sentences.append("Im Beitrag steht kein Ortsname.")
            continue
        for prefix, pattern in REVIEW_PREFIXES:
            if part.startswith(prefix):
                sentences.append(pattern.format(part[len(prefix):].replace("'", "„", 1).replace("'", "“", 1)))
                break
        else:
            sentences.append(f"Vorschlag: {part.replace(' aus ', ', erkannt aus ', 1)}." if " aus " in part else part[:1].upper() + part[1:].rstrip(".") + ".")
    return sentences


def card(post: Post, name: Callable[[str | None], str | None], long_name: Callable[[str], str]) -> dict:
    """Everything one card shows; `name` turns an AGS into the municipality's name, `long_name`
    adds the district (two candidates may share a name: Altdorf)."""
    return {"id": post.id, "author": post_credit(post), "caption": post.caption, "state": post.state,
            "state_label": state_label(post.state), "permalink": post.permalink,
            "taken": german_datetime(post.taken_at), "taken_iso": post.taken_at.isoformat(),
            "location": post.location_name, "municipality": name(post.municipality_ags),
            "suggested": name(post.suggested_ags),
            "candidates": [long_name(a) for a in post.detection_candidates or []],
            "reason": post.detection_reason, "review_sentences": review_sentences(post.detection_reason),
            "needs_review": post.needs_review,
            "confidence": round((post.detection_confidence or 0) * 100),
            "has_image": post.image is not None, "consent": consent_facts(post),
            "decision": last_decision(post), "actions": available_actions(post.state),
            "version": post.version or 0}


def done_message(post_id: int, state: str) -> str:
    return f"Beitrag #{post_id} ist jetzt „{state_label(state)}“."


def municipality_message(post_id: int, municipality: str) -> str:
    return f"Beitrag #{post_id}: Kommune auf {municipality} gesetzt."


def unknown_municipality_message(exc: UnknownMunicipality) -> str:
    hint = f" Ähnliche Namen: {', '.join(exc.suggestions)}." if exc.suggestions else ""
    return f"Unbekannte Kommune „{exc.value}“.{hint}"
