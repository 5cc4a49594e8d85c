"""Backup and restore of the whole scheduler state: the database and the media store.

A backup is one folder `soists-<UTC time>Z/` holding
  database.sqlite3 | database.pgdump   a consistent snapshot: SQLite's online backup API
                                       (safe while the runner writes), or `pg_dump -Fc`
  media/…                              a copy of SOISTS_MEDIA_DIR (originals, thumbnails)
  manifest.json                        created UTC, source URL without password, schema
                                       revision, every file with size and SHA-256
  SHA256SUMS                           the same checksums for `sha256sum -c`, plus the manifest
The APScheduler job store (table `apscheduler_jobs`) lives in the same database, so the
database snapshot carries it: restored jobs keep their next run times.

A backup is written as `.soists-….partial` and renamed when complete, so a crash never
leaves something that looks like a good backup. Restore verifies every checksum first and
refuses a store that is not empty unless forced.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import URL, inspect, make_url, text

from scheduler.store.db import make_engine, reset_sequences

MANIFEST, SUMS = "manifest.json", "SHA256SUMS"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
NAME = re.compile(r"^soists-(\d{8}T\d{6})Z$")
JOB_STORE_NOTE = "the APScheduler job store (apscheduler_jobs) is a table in this database: restored with it"


class BackupError(RuntimeError):
    """A backup that cannot be made, or restored (bad checksum, non-empty store, tool failed)."""


# --- pure helpers --------------------------------------------------------------------

def public_url(db_url: str) -> str:
    """The database URL without its password (for the manifest and messages)."""
    url = make_url(db_url)
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def backup_name(now: datetime) -> str:
    return f"soists-{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}Z"


def backup_time(name: str) -> datetime | None:
    match = NAME.match(name)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc) if match else None


def manifest(created: datetime, source: str, dialect: str, revision: str | None, files: list[dict]) -> dict:
    return {"format": 1, "created_utc": created.astimezone(timezone.utc).isoformat(), "source": source,
            "dialect": dialect, "schema_revision": revision, "job_store": JOB_STORE_NOTE,
            "files": sorted(files, key=lambda f: f["path"])}


def sums_text(entries: dict[str, str]) -> str:
    """`sha256sum` format: "<hash>  <path>" per line."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(entries.items()))


def parse_sums(text_: str) -> dict[str, str]:
    return {line[66:]: line[:64] for line in text_.splitlines() if len(line) > 66}


def parse_keep(spec: str) -> tuple[int, int]:
    """"14d,8w" → (14 days of daily backups, 8 weeks of weekly ones)."""
    days = weeks = 0
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if not re.fullmatch(r"\d+[dw]", part):
            raise ValueError(f"--keep {spec!r}: use e.g. 14d,8w")
        if part.endswith("d"):
            days = int(part[:-1])
        else:
            weeks = int(part[:-1])
    return days, weeks


def to_prune(names: list[str], now: datetime, keep_days: int, keep_weeks: int) -> list[str]:
    """Backups to delete: keep all from the last `keep_days` days, the newest of each ISO week
    for `keep_weeks` weeks, and always the newest one. Names that are no backups stay."""
    dated = sorted(((backup_time(n), n) for n in names if backup_time(n)), reverse=True)
    keep = {dated[0][1]} if dated else set()
    weeks_seen: set[tuple[int, int]] = set()
    for when, name in dated:
        if now - when < timedelta(days=keep_days):
            keep.add(name)
        week = when.isocalendar()[:2]
        if now - when < timedelta(weeks=keep_weeks) and week not in weeks_seen:
            weeks_seen.add(week)
            keep.add(name)
    return [name for _, name in dated if name not in keep]


# --- small I/O helpers ---------------------------------------------------------------

def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: SOISTS_PG_BIN, else Debian's newest, else the PATH."""
    if os.environ.get("SOISTS_PG_BIN"):
        return str(Path(os.environ["SOISTS_PG_BIN"]) / name)
    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[4]))
    found = str(debian[-1]) if debian else shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install Debian's postgresql-client")
    return found


def libpq_env(db_url: str) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore through the environment (no password in argv)."""
    url = make_url(db_url)
    values = {"PGHOST": url.host or url.query.get("host"), "PGPORT": url.port, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    return {**os.environ, **{k: str(v) for k, v in values.items() if v}}


def run_tool(argv: list[str], db_url: str) -> None:
    result = subprocess.run(argv, env=libpq_env(db_url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


def sqlite_path(db_url: str) -> Path:
    return Path(make_url(db_url).database or "")


def schema_revision(db_url: str) -> str | None:
    engine = make_engine(db_url)
    try:
        if not inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as connection:
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def dump_database(db_url: str, folder: Path) -> Path:
    """A consistent snapshot of the database into `folder`."""
    dialect = make_url(db_url).get_backend_name()
    if dialect not in DUMPS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {dialect}")
    target = folder / DUMPS[dialect]
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{sqlite_path(db_url)}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while others write
        finally:
            copy.close()
            source.close()
    else:
        run_tool([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)], db_url)
    return target


def copy_tree(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)


def file_entries(folder: Path) -> list[dict]:
    return [{"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(folder.rglob("*")) if p.is_file()]


# --- backup --------------------------------------------------------------------------

def write_backup(db_url: str, media_dir: Path, backup_root: Path, now: datetime | None = None) -> Path:
    """Write one complete backup folder under `backup_root`; returns its path."""
    now = now or datetime.now(timezone.utc)
    name = backup_name(now)
    final, partial = backup_root / name, backup_root / f".{name}.partial"
    if final.exists():
        raise BackupError(f"{final} exists already")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    dump_database(db_url, partial)
    copy_tree(media_dir, partial / "media")
    files = file_entries(partial)
    info = manifest(now, public_url(db_url), make_url(db_url).get_backend_name(), schema_revision(db_url), files)
    (partial / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sums = {f["path"]: f["sha256"] for f in files} | {MANIFEST: sha256_file(partial / MANIFEST)}
    (partial / SUMS).write_text(sums_text(sums), encoding="utf-8")
    os.replace(partial, final)
    return final


def prune(backup_root: Path, keep_days: int, keep_weeks: int, now: datetime | None = None) -> list[Path]:
    """Delete the backups the retention rule does not keep; returns what was deleted."""
    now = now or datetime.now(timezone.utc)
    names = [p.name for p in backup_root.iterdir() if p.is_dir()] if backup_root.is_dir() else []
    doomed = [backup_root / name for name in to_prune(names, now, keep_days, keep_weeks)]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


# --- restore -------------------------------------------------------------------------

def verify(folder: Path) -> list[str]:
    """Every problem with a backup folder (missing, changed or unlisted files); [] when good."""
    if not (folder / MANIFEST).is_file() or not (folder / SUMS).is_file():
        return [f"{folder}: no {MANIFEST} or {SUMS}: not a backup"]
    sums = parse_sums((folder / SUMS).read_text(encoding="utf-8"))
    problems = []
    if sums.get(MANIFEST) != sha256_file(folder / MANIFEST):
        problems.append(f"{MANIFEST}: checksum differs")
    info = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for entry in info["files"]:
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: size or checksum differs")
        elif sums.get(entry["path"]) != entry["sha256"]:
            problems.append(f"{entry['path']}: {SUMS} and {MANIFEST} disagree")
    return problems


def store_contents(db_url: str, media_dir: Path) -> list[str]:
    """What is already in the target store ([] when it is empty and safe to restore into)."""
    found = []
    if make_url(db_url).get_backend_name() != "sqlite" or sqlite_path(db_url).exists():
        engine = make_engine(db_url)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            found.append(f"database {public_url(db_url)} has {len(tables)} table(s)")
    if media_dir.is_dir() and any(media_dir.iterdir()):
        found.append(f"media folder {media_dir} is not empty")
    return found


@dataclass(frozen=True)
class Restored:
    revision: str | None
    created_utc: str
    files: int


def restore_database(folder: Path, dialect: str, db_url: str, force: bool) -> None:
    target_dialect = make_url(db_url).get_backend_name()
    if target_dialect != dialect:
        raise BackupError(f"the backup holds a {dialect} database, the target is {target_dialect}")
    dump = folder / DUMPS[dialect]
    if dialect == "sqlite":
        target = sqlite_path(db_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)  # only reached when empty or forced
        source, copy = sqlite3.connect(dump), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    clean = ["--clean", "--if-exists"] if force else []
    run_tool([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", *clean,
              "--dbname", make_url(db_url).database, str(dump)], db_url)
    engine = make_engine(db_url)
    try:
        reset_sequences(engine)  # pg_restore sets them already; cheap insurance
    finally:
        engine.dispose()


def restore(folder: Path, db_url: str, media_dir: Path, force: bool = False) -> Restored:
    """Verify, then bring database and media back. Raises BackupError and changes nothing
    when the backup is damaged or the store is not empty (unless force)."""
    problems = verify(folder)
    if problems:
        raise BackupError("backup damaged, nothing restored: " + "; ".join(problems))
    existing = store_contents(db_url, media_dir)
    if existing and not force:
        raise BackupError("refusing to overwrite a store that is not empty (--force to replace it): "
                          + "; ".join(existing))
    info = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    restore_database(folder, info["dialect"], db_url, force)
    if force and media_dir.is_dir():
        shutil.rmtree(media_dir)
    copy_tree(folder / "media", media_dir)
    return Restored(info["schema_revision"], info["created_utc"], len(info["files"]))
