"""Monitoring without mail: one snapshot of the store (for `status --json`) and the same figures
as a Prometheus text file for node_exporter's textfile collector (SOISTS_METRICS_FILE).

The file is written to a temporary file in the same folder and renamed over the old one, so the
collector never reads half a file. Token validity comes from the token store's metadata (no
secret is read); tokens that never expire or a store without metadata give no metric.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.alerts.state import AlertLog, JobRun

def token_days(now: datetime | None = None) -> dict[str, float]:
    """Days of validity left per stored token (from the metadata file beside the secrets file)."""
    from scheduler.credentials.model import days_left
    from scheduler.credentials.vault import Vault

    now = now or datetime.now(timezone.utc)
    try:
        metadata = Vault.from_env().metadata()
    except (OSError, ValueError):  # monitoring must not fail on an unreadable metadata file
        return {}
    left = {slot: days_left(info.expires_at, now) for slot, info in metadata.items()}
    return {slot: round(days, 1) for slot, days in left.items() if days is not None}


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def job_summary(session: Session) -> dict[str, dict]:
    jobs = {}
    for (job,) in session.execute(select(JobRun.job).distinct().order_by(JobRun.job)):
        runs = list(session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(500)))
        last_ok = next((r for r in runs if r.ok), None)
        failing = 0
        for run in runs:
            if run.ok:
                break
            failing += 1
        jobs[job] = {"last_run_utc": iso(runs[0].finished_utc), "last_ok": runs[0].ok,
                     "last_exit_code": runs[0].exit_code, "last_success_utc": iso(last_ok.finished_utc if last_ok
                                                                                  else None),
                     "consecutive_failures": failing}
    return jobs


def quota(session: Session) -> dict | None:
    """The Instagram publishing quota as read before the last publish (no API call here)."""
    from scheduler.publish.state import PublishStep

    for step in session.scalars(select(PublishStep).where(PublishStep.step == "instagram")
                                .order_by(PublishStep.id.desc()).limit(20)):
        used = (step.data or {}).get("quota_before")
        if used:
            return {"used": used[0], "total": used[1], "read_utc": iso(step.finished_utc or step.started_utc)}
    return None


def snapshot(session: Session, now: datetime | None = None) -> dict:
    from scheduler.publish.state import FeaturePublication

    now = now or datetime.now(timezone.utc)
    counts = dict(session.execute(select(FeaturePublication.status, func.count())
                                  .group_by(FeaturePublication.status)).all())
    failures = [{"key": f.key, "status": f.status, "last_error": f.last_error,
                 "next_attempt_utc": iso(f.next_attempt_utc), "slot_utc": iso(f.slot_utc)}
                for f in session.scalars(select(FeaturePublication).where(
                    FeaturePublication.status.in_(("failed", "needs_editor")) | FeaturePublication.last_error.is_not(
                        None)).order_by(FeaturePublication.updated_utc.desc()).limit(20))]
    alerts = [{"kind": a.kind, "subject": a.subject, "severity": a.severity, "since_utc": iso(a.first_seen_utc),
               "text_de": a.text_de}
              for a in session.scalars(select(AlertLog).where(AlertLog.resolved_utc.is_(None),
                                                              AlertLog.kind != "digest").order_by(AlertLog.id))]
    return {"generated_utc": iso(now), "jobs": job_summary(session),
            "queue": {"pending": counts.get("pending", 0), "by_status": counts}, "failures": failures,
            "alerts_open": alerts, "instagram_quota": quota(session), "token_days_left": token_days()}


# --- Prometheus text exposition format ----------------------------------------------------

def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def _number(value: float) -> str:
    """Full precision (a Unix time in %g would lose its seconds)."""
    return str(value) if isinstance(value, int) else repr(float(value))


def metrics_text(snap: Mapping) -> str:
    """The snapshot as metric families (HELP, TYPE, samples); absent values are left out."""
    families: list[tuple[str, str, list[tuple[dict, float]]]] = []
    jobs = snap["jobs"]
    families.append(("soists_job_last_success_timestamp_seconds", "Unix time of the last successful run per job",
                     [({"job": j}, _ts(v["last_success_utc"])) for j, v in jobs.items() if v["last_success_utc"]]))
    families.append(("soists_job_last_run_timestamp_seconds", "Unix time of the last run per job",
                     [({"job": j}, _ts(v["last_run_utc"])) for j, v in jobs.items()]))
    families.append(("soists_job_consecutive_failures", "Failed runs since the last successful one, per job",
                     [({"job": j}, v["consecutive_failures"]) for j, v in jobs.items()]))
    families.append(("soists_queue_length", "Queued features waiting to be published",
                     [({}, snap["queue"]["pending"])]))
    families.append(("soists_features", "Features in the publishing queue by status",
                     [({"status": s}, n) for s, n in sorted(snap["queue"]["by_status"].items())]))
    families.append(("soists_publish_failures", "Features that failed or wait for an editor",
                     [({}, sum(1 for f in snap["failures"] if f["status"] in ("failed", "needs_editor")))]))
    kinds: dict[tuple[str, str], int] = {}
    for alert in snap["alerts_open"]:
        kinds[(alert["kind"], alert["severity"])] = kinds.get((alert["kind"], alert["severity"]), 0) + 1
    families.append(("soists_alerts_open", "Open problems by kind and severity",
                     [({"kind": k, "severity": s}, n) for (k, s), n in sorted(kinds.items())]))
    families.append(("soists_token_validity_days", "Days until an access token expires (when known)",
                     [({"token": t}, d) for t, d in sorted(snap["token_days_left"].items())]))
    quota_now = snap["instagram_quota"] or {}
    families.append(("soists_instagram_quota_used", "Instagram posts used of the 24-hour publishing quota",
                     [({}, quota_now["used"])] if quota_now else []))
    families.append(("soists_instagram_quota_total", "Instagram posts allowed per 24 hours",
                     [({}, quota_now["total"])] if quota_now else []))
    families.append(("soists_metrics_generated_timestamp_seconds", "Unix time this file was written",
                     [({}, _ts(snap["generated_utc"]))]))
    lines = []
    for name, help_text, samples in families:
        if not samples:
            continue
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        for labels, value in samples:
            rendered = ",".join(f'{k}="{_label(str(v))}"' for k, v in labels.items())
            lines.append(f"{name}{{{rendered}}} {_number(value)}" if rendered else f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Temp file in the same folder + fsync + rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)  # node_exporter runs as another user
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
