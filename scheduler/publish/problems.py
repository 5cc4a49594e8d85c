"""Publishing problems for the alerts: what the step records say a person should know.

Pure over the step rows: a temporary block (368) and a suspected-spam refusal (4/2207051)
are problems even while the feature itself just waits for its next attempt.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.alerts.problem import CRITICAL, WARNING, Problem
from scheduler.publish.state import PublishStep


def step_problem(key: str, step: str, error: dict) -> Problem | None:
    code, subcode = error.get("code"), error.get("subcode")
    if code == 368:
        return Problem("temporary_block", f"{key}/{step}", WARNING,
                       f"{key}/{step}: Meta hat das Konto vorübergehend gesperrt (368); der Versuch wird später "
                       "wiederholt.", "In der Meta Business Suite nach dem Grund der Sperre sehen.")
    if subcode == 2207051:
        return Problem("suspected_spam", f"{key}/{step}", CRITICAL,
                       f"{key}/{step}: Instagram hält die Veröffentlichung für Spam (4/2207051).",
                       f"Beitrag prüfen, ggf. bei Meta widersprechen, dann `python -m scheduler retry {key}`.")
    return None


def publish_problems(session: Session) -> list[Problem]:
    rows = session.scalars(select(PublishStep).where(PublishStep.state == "failed"))
    found = (step_problem(row.feature.key, row.step, (row.data or {}).get("error") or {}) for row in rows)
    return [p for p in found if p is not None]
