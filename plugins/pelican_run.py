"""Pelican's command line for the build command's child process, ending without a teardown.

    python plugins/pelican_run.py <pelican arguments>     # what plugins/build.py starts (any folder)

The same as `python -m pelican`, except at the end: once Pelican has returned, the exit
handlers run (atexit, logging), the output streams are flushed and the process ends with
os._exit. A normal interpreter exit would first free every object of the finished build
one by one: 0.6 s of CPU and wall time after the last file is written on 3,000 events,
while the search indexer (plugins/build.py) waits for this process to exit. Nothing is
written at that point any more: the output, the reader cache, the incremental manifest and
the search handoff are all written at Pelican's `finalized` signal, before it returns.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path

if not __package__:  # run as a script: the project folder, not plugins/, is where imports start
    sys.path[0] = str(Path(__file__).resolve().parents[1])


def exit_code(stop: SystemExit) -> int:
    """What the interpreter would exit with for this SystemExit; a message is printed as it would."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    from pelican import main as pelican_main

    try:
        pelican_main(argv)
    except SystemExit as stop:
        return exit_code(stop)
    return 0


def finish(code: int) -> None:
    """Run the exit handlers and flush, then end the process without freeing its objects."""
    try:
        atexit._run_exitfuncs()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    finish(main(sys.argv[1:]))
