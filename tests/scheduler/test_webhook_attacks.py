"""Issue 26 part 3: the receiver attacked the way the internet will, on the real server (waitress,
a free port on 127.0.0.1, real sockets): forged, non-ASCII, odd-length and missing signatures, bad
Content-Length values, a 10 MB body, deeply nested JSON, 50 concurrent signed deliveries, and slow
and idle clients held open meanwhile. Never an answer ≥ 500, every delivery stored, nobody blocked,
and no verify token or signature in any log line. The summary line (`-s`) counts the answers.
"""

from __future__ import annotations

import collections
import json
import logging
import socket
import threading
import time

import pytest
from sqlalchemy import func, select

from scheduler.collect.webhook import WebhookApp, WebhookSecrets, make_webhook_server, sign
from scheduler.store.official import WebhookPayload
from tests.scheduler.official_helpers import APP_SECRET, VERIFY_TOKEN

PATH = "/webhooks/instagram"
# The server's channel timeout in this test. A delivery that waited for an idle or slow client
# would take at least this long; 50 honest deliveries took up to 2.5 s on a loaded CI machine.
TIMEOUT = 4.0


def notification(media_id: str) -> bytes:
    return json.dumps({"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1765000000, "changes": [
        {"field": "mentions", "value": {"media_id": media_id}}]}]}).encode()


def raw(port: int, request: bytes, timeout: float = 10.0) -> int | str:
    """Send the bytes; the status of the answer, or "reset"/"closed" when the server gave none."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    if not answer:
        return "closed"
    return int(answer.split(b" ", 2)[1])


def post(body: bytes, signature: bytes | None, length: bytes | None = None) -> bytes:
    head = b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n"
    head += b"Content-Type: application/json\r\nContent-Length: " + (length or str(len(body)).encode()) + b"\r\n"
    if signature is not None:
        head += b"X-Hub-Signature-256: " + signature + b"\r\n"
    return head + b"\r\n" + body


@pytest.fixture
def receiver(sessions, caplog):
    stored_calls = []
    app = WebhookApp(sessions, lambda: WebhookSecrets(VERIFY_TOKEN, APP_SECRET),
                     on_stored=lambda: stored_calls.append(1))
    server = make_webhook_server(app, port=0, timeout=TIMEOUT)
    assert isinstance(server.server_address[1], int)  # waitress reports it as a string (getnameinfo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    logger = logging.getLogger("scheduler.collect.webhook")
    filters, logger.filters = logger.filters, []  # pelican's LimitFilter drops repeats of a message
    try:
        with caplog.at_level(logging.INFO):
            yield server.server_address[1]
    finally:
        logger.filters = filters
        server.shutdown()
        thread.join(10)


def test_the_receiver_survives_the_attack_run(receiver, sessions, caplog):
    port, answers = receiver, collections.Counter()

    def record(kind: str, status) -> int | str:
        answers[(kind, status)] += 1
        return status

    body = notification("17900000000000001")
    good = sign(body, APP_SECRET).encode()
    # signatures: forged, non-ASCII (once a TypeError in compare_digest), odd length, missing, wrong scheme
    for kind, signature in (("forged", sign(body, "not-the-secret").encode()),
                            ("non-ascii", "sha256=ä".encode() + good[9:]), ("non-ascii-latin1", b"sha256=\xff\xfe"),
                            ("odd-length", good[:-1]), ("missing", None), ("sha1", b"sha1=" + good[7:47])):
        assert record(kind, raw(port, post(body, signature))) == 403, kind
    # Content-Length values: none of them may reach int() or hang a thread
    for length, expected in ((b"viel", 400), (b"-1", 400), (b"\xef\xbc\x91\xef\xbc\x92", 400), (b"1e3", 400),
                             (b"99999999999999999999", 413), (b"1000001", 413)):
        assert record("content-length", raw(port, post(body, good, length))) == expected, length
    # 10 MB: refused from the header; a client that reads first sees the 413 at once, and one that pushes
    # the whole body sees it too (the server lingers instead of resetting the connection under it)
    big = b"x" * 10_000_000
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(post(b"", sign(big, APP_SECRET).encode(), str(len(big)).encode()))
        assert record("10 MB, reads first", int(sock.recv(4096).split(b" ", 2)[1])) == 413
    assert record("10 MB, pushes on", raw(port, post(big, sign(big, APP_SECRET).encode()))) == 413
    # deeply nested, correctly signed JSON (once a RecursionError → 500)
    deep = b"[" * 200_000 + b"]" * 200_000
    assert record("deep JSON", raw(port, post(deep, sign(deep, APP_SECRET).encode()))) == 400
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert record("deep JSON", raw(port, post(deep_object, sign(deep_object, APP_SECRET).encode()))) == 400
    # the verification handshake, wrong and right
    assert record("verify wrong", raw(port, f"GET {PATH}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=5 "
                                             "HTTP/1.0\r\n\r\n".encode())) == 403
    assert record("verify", raw(port, f"GET {PATH}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
                                      "&hub.challenge=5 HTTP/1.0\r\n\r\n".encode())) == 200

    # idle and slow clients held open while 50 signed deliveries arrive at once
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    half = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]  # headers, then nothing
    for sock in half:
        sock.sendall(post(body, good)[:-len(body) + 3])
    slow = socket.create_connection(("127.0.0.1", port), timeout=30)
    slow_request, stop_slow = post(notification("17900000000000999"), None), threading.Event()

    def byte_by_byte() -> None:
        for i in range(len(slow_request)):
            if stop_slow.wait(0.05):
                return
            slow.send(slow_request[i:i + 1])

    trickle = threading.Thread(target=byte_by_byte, daemon=True)
    trickle.start()
    time.sleep(0.3)
    started, results = threading.Barrier(50), [None] * 50
    elapsed = [0.0] * 50

    def deliver(i: int) -> None:
        payload = notification(f"1790000000000{i:04d}")
        started.wait()
        begin = time.monotonic()
        results[i] = raw(port, post(payload, sign(payload, APP_SECRET).encode()))
        elapsed[i] = time.monotonic() - begin

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for status in results:
        record("concurrent delivery", status)
    assert results == [200] * 50, collections.Counter(results)
    assert max(elapsed) < TIMEOUT, max(elapsed)  # nobody waited for the idle or slow clients
    # the idle ones are closed after the timeout, the half-sent ones get a 408
    time.sleep(TIMEOUT * 2)
    for sock in idle:
        sock.settimeout(5)
        assert sock.recv(100) == b""
        record("idle", "closed")
        sock.close()
    for sock in half:
        sock.settimeout(5)
        assert record("half-sent body", int(sock.recv(4096).split(b" ", 2)[1])) == 408
        sock.close()
    stop_slow.set()
    trickle.join(5)
    slow.close()
    record("byte by byte (stopped by the client)", "-")

    summary = ", ".join(f"{kind} → {status}: {n}" for (kind, status), n in sorted(answers.items(), key=str))
    by_status = collections.Counter()
    for (_, status), n in answers.items():
        by_status[status] += n
    print(f"\nwebhook attack run: {sum(answers.values())} requests; per status {dict(sorted(by_status.items(), key=str))}"
          f"\n  {summary}")
    assert not any(isinstance(status, int) and status >= 500 for status in by_status)
    with sessions() as session:
        keys = set(session.scalars(select(WebhookPayload.key)))
        assert session.scalar(select(func.count(WebhookPayload.id))) == 50  # the forged and malformed ones stored nothing
    assert all(f":1790000000000{i:04d}:-" in " ".join(keys) for i in range(50))
    lines = [record.getMessage() for record in caplog.records]
    assert sum("webhook batch" in line and "1 mention(s) stored" in line for line in lines) == 50, lines
    assert not any(VERIFY_TOKEN in line or good.decode()[7:] in line or "Traceback" in line for line in lines)
    assert not any(record.exc_info for record in caplog.records if record.name.startswith("scheduler"))


def test_the_receivers_info_lines_reach_the_journal(monkeypatch, settings, sessions):
    """main() sets WARNING before the command runs; `webhook` must lift it to INFO (basicConfig could not)."""
    from scheduler.cli import main as cli

    seen = []
    monkeypatch.delenv("SOISTS_LOG_LEVEL", raising=False)
    monkeypatch.setattr("scheduler.collect.official.serve_webhook", lambda *a, **k: seen.append(
        logging.getLogger("scheduler.collect.webhook").isEnabledFor(logging.INFO)))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    try:
        assert cli.main(["webhook", "--port", "0"], settings=settings) == 0
    finally:
        root.setLevel(level)
    assert seen == [True]
