"""German labels for what people read: curation states, system actors and audit actions.

The stored values stay English (they are keys in the database, the CLI and the jobs); the
review board, and later the CLI and the alert mails, show these labels. One mapping, so a
state is called the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from scheduler.store.models import State

STATE_LABELS: dict[str, str] = {
    State.COLLECTED.value: "gesammelt",
    State.SHORTLISTED.value: "vorgemerkt",
    State.RIGHTS_REQUESTED.value: "Rechte angefragt",
    State.GRANTED.value: "Rechte erteilt",
    State.DECLINED.value: "Rechte abgelehnt",
    State.EXPIRED.value: "abgelaufen",
    State.REJECTED.value: "abgelehnt",
}

# The reason a transition records when the person gave none (a rejection always needs one).
DEFAULT_REASONS: dict[str, str] = {
    State.COLLECTED.value: "wieder geöffnet",
    State.SHORTLISTED.value: "freigegeben",
    State.RIGHTS_REQUESTED.value: "Rechte angefragt",
    State.GRANTED.value: "Rechte erteilt",
    State.DECLINED.value: "Rechte abgelehnt",
    State.EXPIRED.value: "Rechteanfrage abgelaufen",
}

ACTOR_LABELS: dict[str, str] = {  # the machine actors of the audit trail; people keep their names
    "rules": "Regelprüfung",
    "collector": "Sammlung",
    "scheduler": "Zeitplan",
}

AUDIT_ACTION_LABELS: dict[str, str] = {
    "collected": "gesammelt",
    "transition": "Statuswechsel",
    "set_municipality": "Kommune gesetzt",
}


def state_label(value: str) -> str:
    """"rights_requested" → "Rechte angefragt"; an unknown value is shown as it is."""
    return STATE_LABELS.get(value, value)


def state_list(values: Iterable[str]) -> str:
    """Labels of several states in the order of the state machine, e.g. for an error text."""
    order = list(STATE_LABELS)
    ranked = sorted(values, key=lambda v: order.index(v) if v in order else len(order))
    return ", ".join(state_label(v) for v in ranked)


def actor_label(actor: str) -> str:
    return ACTOR_LABELS.get(actor, actor)


def default_reason(to_state: str) -> str:
    return DEFAULT_REASONS.get(to_state, "")
