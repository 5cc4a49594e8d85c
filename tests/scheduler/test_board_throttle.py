"""Issue 27, sign-in throttle and argon2id: reproduced on the board before the fix.

- 30 concurrent wrong sign-ins for one account: 21 passwords were checked (limit 5);
- argon2id on unbounded threads: RSS rose from 169 to 1,067 MiB;
- 21 wrong sign-ins under random names locked every account out for 15 minutes.
These tests talk to the WSGI app over its HTTP interface only (board_client.Client).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from tests.scheduler.board_client import PASSWORD, Client


@pytest.fixture
def app(sessions, settings, registry):
    with sessions.begin() as session:
        editors.add_account(session, "eva", PASSWORD)
    return ReviewApp(sessions, settings, registry)


class Counted:
    """Wraps argon2's verify: how many passwords were checked, and how many at once."""

    def __init__(self, monkeypatch):
        self.calls = self.running = self.peak = 0
        self.lock = threading.Lock()
        real = editors.HASHER
        counter = self

        class Hasher:  # PasswordHasher has slots: wrap it instead of patching its method
            def __getattr__(self, name):
                return getattr(real, name)

            def verify(self, hash_, password):
                with counter.lock:
                    counter.calls += 1
                    counter.running += 1
                    counter.peak = max(counter.peak, counter.running)
                try:
                    return real.verify(hash_, password)
                finally:
                    with counter.lock:
                        counter.running -= 1

        monkeypatch.setattr(editors, "HASHER", Hasher())


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


class PeakRss:
    """Samples the resident set every 2 ms while a burst runs."""

    def __enter__(self):
        self.base = self.peak = rss_mib()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()

    @property
    def rise(self) -> float:
        return self.peak - self.base


def burst(app, attempts: list[tuple[str, str, str]]) -> list[int]:
    """Concurrent sign-ins: (address, name, password) each from its own browser."""
    clients = [Client(app, remote=address) for address, _, _ in attempts]
    for client in clients:
        client.get("/login")
    barrier = threading.Barrier(len(attempts))

    def one(i: int) -> int:
        _, name, password = attempts[i]
        barrier.wait()
        return clients[i].post("/login", {"name": name, "password": password}).status

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(one, range(len(attempts))))


def test_30_concurrent_wrong_sign_ins_for_one_account_check_at_most_5(app, monkeypatch):
    counted = Counted(monkeypatch)
    with PeakRss() as memory:
        statuses = burst(app, [("10.0.0.7", "eva", f"falsch-{i:02}-falsch") for i in range(30)])
    print(f"\n30 concurrent wrong sign-ins for eva: {counted.calls} checked, {counted.peak} at once, "
          f"RSS +{memory.rise:.0f} MiB (from {memory.base:.0f}); statuses {sorted(set(statuses))}")
    assert counted.calls <= 5
    assert statuses.count(200) == counted.calls and statuses.count(429) == 30 - counted.calls
    assert Client(app, "10.0.0.8").sign_in("eva", PASSWORD).status == 429  # the account waits out its window


def test_argon2id_runs_behind_a_small_semaphore(app, monkeypatch):
    """30 wrong sign-ins under 30 names from 30 addresses (no throttle applies): all are checked, but
    never more than VERIFY_SLOTS at once, so memory stays bounded (argon2id takes 64 MiB each)."""
    counted = Counted(monkeypatch)
    with PeakRss() as memory:
        statuses = burst(app, [(f"10.1.0.{i}", f"name-{i}", f"falsch-{i:02}-falsch") for i in range(30)])
    print(f"\n30 concurrent sign-ins, 30 names: {counted.calls} checked, {counted.peak} at once, "
          f"RSS +{memory.rise:.0f} MiB (from {memory.base:.0f}); statuses {sorted(set(statuses))}")
    assert counted.peak <= 2
    assert set(statuses) <= {200, 429} and counted.calls == statuses.count(200)
    assert memory.rise < 250


def test_wrong_sign_ins_under_random_names_never_lock_out_another_account(app, monkeypatch):
    counted = Counted(monkeypatch)
    for i in range(25):  # one guesser per address (a botnet): no address limit applies
        Client(app, remote=f"10.2.0.{i}").sign_in(f"zufall-{i}", "geraten-geraten")
    assert counted.calls == 25  # each was really checked (same cost as a real name: the dummy hash)
    assert Client(app, remote="10.9.9.9").sign_in("eva", PASSWORD).status == 303


def test_one_address_guessing_many_names_is_slowed_and_stopped(app):
    app.throttle.backoff_base = 0.0
    guesser = Client(app, remote="10.3.0.1")
    statuses = [guesser.sign_in(f"zufall-{i}", "geraten-geraten").status for i in range(22)]
    assert statuses[:20] == [200] * 20 and statuses[20:] == [429, 429]
    assert Client(app, remote="10.3.0.2").sign_in("eva", PASSWORD).status == 303  # others unaffected


def test_backoff_grows_after_the_second_failure(app):
    now = [1000.0]
    app.throttle.clock = lambda: now[0]
    browser = Client(app, remote="10.4.0.1")
    assert [browser.sign_in("eva", "falsch-falsch-1").status for _ in range(2)] == [200, 200]
    refused = browser.sign_in("eva", PASSWORD)
    assert refused.status == 429 and refused.header("Retry-After") == "1"
    assert "Zu viele Anmeldeversuche" in refused.text
    now[0] += 1.1
    assert browser.sign_in("eva", "falsch-falsch-3").status == 200
    assert browser.sign_in("eva", PASSWORD).status == 429  # now 2 s
    now[0] += 2.1
    assert browser.sign_in("eva", PASSWORD).status == 303  # success clears the account's failures


def test_loopback_without_the_trusted_proxy_is_not_one_address(app):
    """The board listens on 127.0.0.1: through `ssh -L` every browser is 127.0.0.1, so a limit per
    that address would lock everybody out again. Only the account's own limit applies there."""
    app.throttle.backoff_base = 0.0
    for i in range(25):
        assert Client(app).sign_in(f"zufall-{i}", "geraten-geraten").status == 200
    assert Client(app).sign_in("eva", PASSWORD).status == 303


def test_behind_the_trusted_proxy_the_address_is_x_real_ip(sessions, with_settings, registry):
    with sessions.begin() as session:
        editors.add_account(session, "eva", PASSWORD)
    secret = "nginx-und-board-teilen-dieses-geheimnis-2026"
    app = ReviewApp(sessions, with_settings(board_proxy_secret=secret), registry)
    app.throttle.backoff_base = 0.0
    guesser = Client(app, headers={"X-Board-Proxy-Secret": secret, "X-Real-IP": "203.0.113.9"})
    statuses = [guesser.sign_in(f"zufall-{i}", "geraten-geraten").status for i in range(21)]
    assert statuses[-1] == 429  # that address, after 20
    spoofed = Client(app, headers={"X-Real-IP": "198.51.100.1"})  # without the secret: ignored
    assert spoofed.sign_in("eva", PASSWORD).status == 303
    other = Client(app, headers={"X-Board-Proxy-Secret": secret, "X-Real-IP": "198.51.100.7"})
    assert other.sign_in("eva", PASSWORD).status == 303
