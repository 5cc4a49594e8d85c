"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary data folder.

One server per test session (per xdist worker), one fresh database per test. PostgreSQL
refuses to run as root, so under root (CI) every server command runs as the system user
`postgres` (created by Debian's postgresql package; SOISTS_PG_USER to change) through
`runuser`; as an ordinary user it runs as that user. Durability is switched off: a test
server that loses its data in a power cut loses nothing of value and starts faster.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
SUPERUSER = "soists"


class NoPostgres(RuntimeError):
    """The PostgreSQL server binaries are not installed (`.ci/setup --browser` installs them)."""


def find_bindir() -> Path:
    """SOISTS_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else pg_ctl on the PATH."""
    if os.environ.get("SOISTS_PG_BIN"):
        return Path(os.environ["SOISTS_PG_BIN"])
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise NoPostgres("no pg_ctl found: run `.ci/setup --browser` (installs Debian's postgresql)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PgServer:
    bindir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="soists-pg-")))
    port: int = field(default_factory=free_port)
    run_as: str | None = None  # a system user when we are root

    @classmethod
    def for_this_machine(cls) -> "PgServer":
        run_as = None
        if os.geteuid() == 0:
            run_as = os.environ.get("SOISTS_PG_USER", "postgres")
            try:
                pwd.getpwnam(run_as)
            except KeyError:
                raise NoPostgres(f"running as root, but there is no system user {run_as!r} to run PostgreSQL "
                                 "(Debian's postgresql package creates `postgres`)") from None
        return cls(bindir=find_bindir(), run_as=run_as)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> "PgServer":
        if self.run_as:  # mkdtemp made it 0700 for root; the server's user must own it
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.datadir), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        settings = ("listen_addresses=127.0.0.1", f"unix_socket_directories={self.root}", *FAST)
        options = " ".join([f"-p {self.port}", *(f"-c {setting}" for setting in settings)])
        self._run("pg_ctl", action, "-D", str(self.datadir), "-w", "-t", "60", "-o", options,
                  "-l", str(self.root / "server.log"), *extra)

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every open connection is cut, the data stays."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
