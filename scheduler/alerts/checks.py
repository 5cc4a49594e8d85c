"""The detectors: the store, the job runs, the plan and the disk → Problems (German texts).

Each detector is a small function of what it reads; `job_checks` covers what a job run can
change (features, collect, deploy, rate limits), `daily_checks` adds the plan's empty slots
and the disk. Token problems come from the token store (see report_problems' `problems`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.alerts.problem import CRITICAL, WARNING, Problem, german_datetime
from scheduler.alerts.state import JobRun
from scheduler.publish.problems import publish_problems

RATE_LIMIT_HOURS = 6
JOB_KINDS = ("feature_failed", "feature_needs_editor", "collect_login", "rate_limit", "deploy_failed", "job_failed",
             "temporary_block", "suspected_spam", "insights_permission", "mention_gave_up", "mention_stale",
             "channel_failed")
DAILY_KINDS = (*JOB_KINDS, "empty_slot", "disk_space")
EXIT_LOGIN, EXIT_RATE_LIMITED = 3, 4  # scheduler/exitcodes.py (not imported: it pulls in collect)


@dataclass(frozen=True)
class CheckResult:
    problems: list[Problem]
    checked: tuple[str, ...]


def feature_problems(session: Session, now: datetime) -> list[Problem]:
    from scheduler.publish.state import FeaturePublication

    found = []
    for f in session.scalars(select(FeaturePublication).where(FeaturePublication.status.in_(
            ("failed", "needs_editor", "pending"))).order_by(FeaturePublication.slot_utc)):
        slot = german_datetime(f.slot_utc)
        if f.status == "failed":
            found.append(Problem("feature_failed", f.key, CRITICAL,
                                 f"Das Feature {f.key} (Sendeplatz {slot}) ist fehlgeschlagen: {f.last_error}.",
                                 "Fehler ansehen (`python -m scheduler status`), Ursache beheben und das Feature "
                                 f"mit `python -m scheduler retry {f.key}` erneut einreihen."))
        elif f.status == "needs_editor":
            found.append(Problem("feature_needs_editor", f.key, WARNING,
                                 f"Das Feature {f.key} (Sendeplatz {slot}) braucht die Redaktion: {f.last_error}.",
                                 "Beitrag, Bild oder Zugangsdaten prüfen und korrigieren, dann mit "
                                 f"`python -m scheduler retry {f.key}` erneut einreihen."))
        elif (f.next_attempt_utc is not None and f.attempts > 0
              and f.next_attempt_utc - f.slot_utc > timedelta(hours=RATE_LIMIT_HOURS)):
            found.append(Problem("rate_limit", f.key, WARNING,
                                 f"Das Feature {f.key} (Sendeplatz {slot}) wird seit mehr als {RATE_LIMIT_HOURS} "
                                 f"Stunden immer wieder verschoben ({f.attempts} Versuche); letzter Fehler: "
                                 f"{f.last_error}. Nächster Versuch: {german_datetime(f.next_attempt_utc)}.",
                                 "Meist ein Limit von Meta (Veröffentlichungskontingent, 429) oder ein Netzproblem: "
                                 "abwarten; hält es bis morgen an, Kontingent im Meta Business Manager prüfen."))
    return found


def channel_problems(session: Session) -> list[Problem]:
    """One problem per side channel (Mastodon) whose step failed on done features: the channel named,
    the features listed; the website, Instagram and Facebook went out (publish/side_channels.py)."""
    from scheduler.publish.side_channels import CHANNEL_NAMES, failed_side_steps

    by_channel: dict[str, list] = {}
    for step in failed_side_steps(session):
        by_channel.setdefault(step.step, []).append(step)
    found = []
    for channel, steps in by_channel.items():
        name, last = CHANNEL_NAMES.get(channel, channel), steps[-1]
        refused = ((last.data or {}).get("error") or {}).get("http_status") in (401, 403)
        keys = ", ".join(s.feature.key for s in steps[:5]) + (f" und {len(steps) - 5} weitere" if len(steps) > 5 else "")
        retry = (last.data or {}).get("retry_utc")
        found.append(Problem(
            "channel_failed", name, CRITICAL if refused else WARNING,
            f"{name}: {len(steps)} vorgestellte{'s Foto' if len(steps) == 1 else ' Fotos'} nicht auf {name} "
            f"veröffentlicht ({keys}); Website, Instagram und Facebook sind erledigt. Letzter Fehler: {last.error}."
            + (f" Nächster Versuch: {german_datetime(datetime.fromisoformat(retry))}." if retry else ""),
            f"Den {name}-Zugang erneuern: `python -m scheduler connect --mastodon INSTANZ`, dann "
            "`python -m scheduler check-credentials`; die Beiträge folgen beim nächsten Versuch von selbst."
            if refused else f"Nichts erzwingen: die Beiträge folgen von selbst, sobald {name} wieder antwortet "
            "(nie doppelt). Hält es tagelang an, die Instanz oder SOISTS_MASTODON_URL prüfen."))
    return found


def latest_runs(session: Session, job: str, limit: int = 200) -> list[JobRun]:
    return list(session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(limit)))


def collect_problems(runs: list[JobRun], now: datetime) -> list[Problem]:
    """From the collect runs, newest first: a login/checkpoint stop, a rate limit that lasts."""
    if not runs:
        return []
    last = runs[0]
    if last.exit_code == EXIT_LOGIN:
        return [Problem("collect_login", "Instagram", CRITICAL,
                        "Das Sammeln der #SoistS-Beiträge wurde gestoppt: Instagram verlangt eine Anmeldung "
                        f"oder eine Sicherheitsprüfung (Checkpoint), zuletzt am {german_datetime(last.finished_utc)}.",
                        "Mit dem Konto in der Instagram-App oder im Browser anmelden und die Sicherheitsprüfung bestätigen, "
                        "dann die Sitzung erneuern: `instaloader --login KONTO` (Sitzungsdatei ersetzen).")]
    streak = []
    for run in runs:
        if run.exit_code != EXIT_RATE_LIMITED:
            break
        streak.append(run)
    if streak and now - streak[-1].started_utc >= timedelta(hours=RATE_LIMIT_HOURS):
        return [Problem("rate_limit", "Instagram-Sammeln", WARNING,
                        f"Instagram bremst das Sammeln seit {german_datetime(streak[-1].started_utc)} "
                        f"({len(streak)} Läufe hintereinander mit Exit-Code 4).",
                        "Nichts erzwingen: das Budget (SOISTS_BUDGET) senken oder das Intervall "
                        "(SOISTS_COLLECT_MINUTES) verlängern; hält es über einen Tag an, das Konto in der App prüfen.")]
    return []


def deploy_problems(session: Session, runs: list[JobRun]) -> list[Problem]:
    from scheduler.publish.state import FeaturePublication, PublishStep

    failed_step = session.scalar(select(PublishStep).join(FeaturePublication).where(
        PublishStep.step == "deploy", PublishStep.state == "failed", FeaturePublication.status == "pending")
        .order_by(PublishStep.id.desc()).limit(1))
    if runs and not runs[0].ok:
        detail = runs[0].detail or f"Exit-Code {runs[0].exit_code}"
    elif failed_step is not None:
        detail = f"beim Veröffentlichen von {failed_step.feature.key}: {failed_step.error}"
    else:
        return []
    return [Problem("deploy_failed", "Website", CRITICAL,
                    f"Der Build oder das Deploy der Website ist fehlgeschlagen ({detail}).",
                    "Im Journal nachsehen (`journalctl -u soists-scheduler -n 200`), den Build von Hand "
                    "prüfen (`invoke build`) und reparieren; die Live-Seite bleibt bis dahin auf dem alten Stand.")]


def job_failure_problems(runs_by_job: Mapping[str, list[JobRun]]) -> list[Problem]:
    """A job that crashed on its last run (collect's own stops and deploy are reported apart)."""
    found = []
    for job, runs in runs_by_job.items():
        if job == "deploy" or not runs or runs[0].ok or runs[0].exit_code in (EXIT_LOGIN, EXIT_RATE_LIMITED):
            continue
        found.append(Problem("job_failed", job, WARNING,
                             f"Der Job „{job}“ ist beim letzten Lauf ({german_datetime(runs[0].finished_utc)}) "
                             f"fehlgeschlagen: {runs[0].detail or 'Exit-Code ' + str(runs[0].exit_code)}.",
                             "Im Journal nachsehen (`journalctl -u soists-scheduler -n 200`); der Job läuft beim "
                             "nächsten Termin von selbst wieder."))
    return found


def empty_slot_problems(planned: Iterable, now: datetime, within: timedelta) -> list[Problem]:
    """Slots the planner could not fill ("no plannable content left") that come within the horizon."""
    return [Problem("empty_slot", german_datetime(p.slot_utc), WARNING,
                    f"Für den Sendeplatz {german_datetime(p.slot_utc)} ist kein freigegebener Beitrag mit "
                    "Kommune mehr übrig; der Platz bleibt leer.",
                    "In der Prüfung Beiträge freigeben und die Rechte einholen (Status „Rechte erteilt“ mit Kommune), "
                    "oder den Platz bewusst auslassen: `python -m scheduler skip \"JJJJ-MM-TT HH:MM\"`.")
            for p in planned if p.post_id is None and p.reason == "no plannable content left"
            and p.slot_utc <= now + within]


def disk_problems(paths: Iterable[Path], min_gb: float,
                  usage: Callable[[Path], tuple] = shutil.disk_usage) -> list[Problem]:
    found, seen = [], set()
    for path in paths:
        target = path if path.exists() else path.parent
        if not target.exists():
            continue
        free = usage(target)[2]
        if free < min_gb * 1024 ** 3 and str(path) not in seen:
            seen.add(str(path))
            found.append(Problem("disk_space", str(path), CRITICAL,
                                 f"Auf dem Laufwerk von {path} sind nur noch {free / 1024 ** 3:.1f} GB frei "
                                 f"(Schwelle {min_gb:g} GB).",
                                 "Alte Builds und Logs löschen (`journalctl --vacuum-time=14d`, "
                                 "`invoke clean`) oder das Laufwerk vergrößern."))
    return found


def disk_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    from scheduler.config import PROJECT_ROOT

    env = os.environ if env is None else env
    return [PROJECT_ROOT, Path(env.get("SOISTS_MEDIA_DIR", str(PROJECT_ROOT / "var" / "media")))]


def insights_problems(session: Session) -> list[Problem]:
    """A permission missing on several insights readings in a row: figures are lost until someone acts."""
    from scheduler.insights.gaps import permission_gaps

    return [Problem("insights_permission", gap.channel, WARNING,
                    f"Seit {german_datetime(gap.since)} fehlen die Statistiken von "
                    f"{'Instagram' if gap.channel == 'instagram' else 'Facebook'}: Meta verweigert die Berechtigung "
                    f"({gap.readings} Abrufe in Folge). {gap.detail[:200]}",
                    "Im Meta-Business-Konto prüfen, ob die App die Berechtigungen instagram_manage_insights bzw. "
                    "read_insights und pages_read_engagement hat; dann `python -m scheduler check-credentials`.")
            for gap in permission_gaps(session)]


def mention_problems(session: Session, now: datetime) -> list[Problem]:
    """Mentions given up after permanent errors, or pending for two days (scheduler/collect/mention_retry.py)."""
    from scheduler.collect.mention_retry import mention_problems as found

    return found(session, now)


def job_checks(session: Session, now: datetime) -> CheckResult:
    jobs = [j for (j,) in session.execute(select(JobRun.job).distinct())]
    runs = {job: latest_runs(session, job) for job in jobs}
    problems = [*feature_problems(session, now), *collect_problems(runs.get("collect", []), now),
                *deploy_problems(session, runs.get("deploy", [])), *job_failure_problems(runs),
                *publish_problems(session), *insights_problems(session), *mention_problems(session, now),
                *channel_problems(session)]
    return CheckResult(problems, JOB_KINDS)


def daily_checks(session: Session, now: datetime, env: Mapping[str, str] | None = None) -> CheckResult:
    from plugins.region.registry import load_registry
    from scheduler.plan.enqueue import PlanningConfig, build_plan

    env = os.environ if env is None else env
    base = job_checks(session, now)
    config = PlanningConfig.from_env(env=env)
    plan = build_plan(session, load_registry(), config, now)
    session.rollback()  # build_plan only reads; leave nothing pending
    problems = [*base.problems, *empty_slot_problems(plan.planned, now, config.enqueue_within),
                *disk_problems(disk_paths(env), float(env.get("SOISTS_DISK_MIN_GB", "2")))]
    return CheckResult(problems, DAILY_KINDS)
