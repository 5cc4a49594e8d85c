"""Private files: the store, the media and the session files hold e-mail addresses, consent
notes and login cookies, so they are created for the service user only (0600 files, 0700
folders) — by a restrictive umask at process start and by explicit modes where we write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700
PUBLIC_FILE_MODE = 0o666  # site files, less the operator's umask (nginx runs as another user)


_inherited_umask: int | None = None  # what the process was started with (systemd's UMask=, a shell's)


def restrict_umask() -> int:
    """Called first thing by the CLI and the runner; returns the previous umask."""
    global _inherited_umask
    previous = os.umask(PRIVATE_UMASK)
    if _inherited_umask is None:
        _inherited_umask = previous
    return previous


def public_umask() -> int:
    """For the site build and its files: the umask the operator gave the process, not ours."""
    if _inherited_umask is not None:
        return _inherited_umask
    return current_umask()


def current_umask() -> int:
    """Read without setting it: os.umask(0) and back would open a window in which another
    thread creates world-writable files."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _tighten(path: Path, mode: int) -> None:
    """Take group/other bits away from a path we own (an older install made it 0644/0755)."""
    try:
        info = path.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)
    except OSError:  # not ours or gone: nothing to tighten
        pass


def private_dir(path: Path) -> Path:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def write_private(target: Path, data: bytes) -> None:
    """Atomically (a crash leaves no half file) and 0600 whatever the umask."""
    private_dir(target.parent)
    partial = target.with_name(target.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an old .part file keeps its mode through O_CREAT
        with os.fdopen(fd, "wb", closefd=False) as stream:
            stream.write(data)
    finally:
        os.close(fd)
    os.replace(partial, target)


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask); SQLite gives
    its -wal and -shm files the database file's mode."""
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)  # var/ also holds the metrics file: not 0700
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    _tighten(path, FILE_MODE)


def make_public(path: Path) -> Path:
    """Files of the published site (content/, copied verbatim by the build) must stay readable
    by the web server despite the private umask."""
    os.chmod(path, PUBLIC_FILE_MODE & ~public_umask())
    return path
