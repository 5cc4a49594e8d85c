"""`python -m plugins.build_service` (what `invoke build-service` and the soists-build unit
run): build the site once into the kept publish folder, then wait on a Unix socket; every
request builds again, re-rendering only what changed, and answers with the result.

    python -m plugins.build_service [--settings publishconf.py] [--content content]
                                    [--output <publish folder>] [--socket <path>]

One request at a time (the socket server handles them in turn). `invoke publish` asks the
service when its socket is there and deploys what it built (plugins/build_service/client.py);
without a service it builds with the one-shot command as before.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import signal
import socketserver
import sys
import time
from pathlib import Path

from plugins.preview.memory import FrozenBetweenPasses

from . import client
from .service import BuildService

ROOT = Path(__file__).resolve().parents[2]


IDLE_SECONDS = 1.0  # no request for this long: collect the garbage the last builds left (memory.py)


class Server(socketserver.UnixStreamServer):
    """The socket server, with the process's garbage collection out of the way of a request:
    what is alive after a build is frozen, and collected once no request came for IDLE_SECONDS
    (serve_forever calls service_actions between its polls, twice a second)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.memory = FrozenBetweenPasses()
        self.last_build = 0.0

    def built(self) -> None:
        self.memory.after_pass()
        self.last_build = time.monotonic()

    def service_actions(self) -> None:
        if time.monotonic() - self.last_build >= IDLE_SECONDS:
            self.memory.collect()


class Handler(socketserver.StreamRequestHandler):
    service: BuildService

    def handle(self) -> None:
        line = self.rfile.readline()
        try:
            request = json.loads(line or b"{}")
        except ValueError:
            request = {}
        if request.get("build") is not True:
            self._answer({"ok": False, "error": 'unknown request: send {"build": true}'})
            return
        result = self.service.build()
        kind = "body only" if result.body_only else "build"
        print(("✓" if result.ok else "✗") + f" {kind}: {result.written} written, {result.removed} removed, "
              f"{result.search_shards_built} search shard(s) in {result.seconds:.2f} s "
              f"(rendering {result.render_seconds:.2f} s, search index {result.search_seconds:.2f} s)", flush=True)
        self._answer(result.as_dict())
        self.server.built()
        if result.restart:  # the new code needs a new process; the caller built without us
            print("plugins, settings or packages changed: restarting", flush=True)
            self.server.server_close()
            os.execv(sys.executable, [sys.executable, "-m", "plugins.build_service", *sys.argv[1:]])

    def _answer(self, answer: dict) -> None:
        try:
            self.wfile.write(json.dumps(answer).encode() + b"\n")
        except OSError:  # the caller gave up waiting; the build stands for the next request
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", type=Path, default=ROOT / "publishconf.py")
    parser.add_argument("--content", type=Path, default=Path(os.environ.get("SOISTS_CONTENT_DIR", ROOT / "content")))
    parser.add_argument("--output", type=Path, default=client.PUBLISH_OUTPUT)
    parser.add_argument("--socket", type=Path, default=client.SOCKET)
    parser.add_argument("-e", "--extra", default="{}", help="JSON object of settings to override")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # systemd's stop: the socket goes too
    cache = client.cache_folder()
    service = BuildService(args.settings, args.content, args.output, cache / "service", json.loads(args.extra))
    lock = client.publish_lock(args.output)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as held:  # a publish building the one-shot way writes the same folder
        fcntl.flock(held, fcntl.LOCK_EX)
        first = service.build()
    print(("✓" if first.ok else "✗") + f" first build in {first.seconds:.2f} s" + (f"\n{first.error}" if first.error else ""),
          flush=True)
    args.socket.parent.mkdir(parents=True, exist_ok=True)
    args.socket.unlink(missing_ok=True)
    handler = type("ServiceHandler", (Handler,), {"service": service})
    with Server(str(args.socket), handler) as server:
        server.built()  # the first build
        os.chmod(args.socket, 0o660)  # the scheduler's group may ask for builds, nobody else
        print(f"build service: {args.socket} -> {args.output}", flush=True)
        try:
            server.serve_forever()
        finally:
            args.socket.unlink(missing_ok=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
