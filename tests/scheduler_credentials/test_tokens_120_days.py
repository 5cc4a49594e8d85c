"""120 simulated days, one day at a time: the daily tokens job, a publish every third day,
against the fake whose tokens really expire. Posting never stops; a token that cannot be
refreshed shows up as a problem 14 and 3 days before it matters; no token reaches a log."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import time_machine
from PIL import Image

from demo.graph_fake import IG_USER_ID, PAGE_ID, GraphFake
from demo.graph_fake_tokens import APP_ID, APP_SECRET, DAY, LONG_LIVED_S
from scheduler.credentials.api import TokenApi
from scheduler.credentials.refresh import tokens_job
from scheduler.credentials.vault import Vault
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.publisher import Publisher, publish_due
from scheduler.publish.queue import FeatureRequest, enqueue_feature
from scheduler.publish.state import ensure_tables
from scheduler.store.db import make_engine, session_factory

START = datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)


def feature(tmp_path, day: int) -> FeatureRequest:
    slot = START + timedelta(days=day, hours=16)
    return FeatureRequest(
        key=f"day-{day:03d}", slot_utc=slot, post_uid=f"instagram:Day{day}", ags="08116049",
        municipality_slug="plochingen", municipality_name="Plochingen", source_image=str(tmp_path / "source.jpg"),
        handle="anna.knipst", platform="instagram", taken=date(2026, 8, 1), alt="Neckarufer im Abendlicht",
        consent_date=date(2026, 8, 2), consent_method="Instagram-Direktnachricht", text=f"Tag {day}",
        original_url=f"https://www.instagram.com/p/Day{day}/", original_id=f"Day{day}")


def test_posting_never_stops_for_120_days(tmp_path, monkeypatch, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # urllib3's request lines included, from the first call
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    Image.new("RGB", (1200, 900), (20, 90, 160)).save(tmp_path / "source.jpg")
    with time_machine.travel(START, tick=False) as clock:
        fake = GraphFake(tmp_path / "fake.json")
        base = fake.start()
        book = fake.tokens
        # What a person hands over once: a short-lived User token from the Facebook Login flow,
        # and (for the Instagram-Login flavour) a long-lived Instagram token.
        short = book.add("EAAshortlived000", "user_short", 3600)
        ig_login = book.add("IGAAlonglived000", "instagram_login", LONG_LIVED_S, data_access_s=None)
        vault = Vault(tmp_path / "etc" / "secrets.json")
        vault.set_app(APP_ID, APP_SECRET)
        api = TokenApi(base, fake.root_url)
        long_lived = api.exchange(short, APP_ID, APP_SECRET)
        page = api.page_token(long_lived.token, PAGE_ID)
        vault.set_tokens(facebook_user=long_lived.token, facebook_page=page, instagram=page,
                         instagram_login=ig_login)
        secrets = {short, ig_login, long_lived.token, page, APP_SECRET}
        env = {"SOISTS_SECRETS_FILE": str(vault.path), "SOISTS_GRAPH_BASE_URL": base,
               "SOISTS_IG_GRAPH_BASE_URL": fake.root_url, "SOISTS_FB_PAGE_ID": PAGE_ID,
               "SOISTS_IG_USER_ID": IG_USER_ID}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SOISTS_IG_TOKEN", raising=False)
        monkeypatch.delenv("SOISTS_FB_PAGE_TOKEN", raising=False)

        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        ensure_tables(engine)
        session = session_factory(engine)()
        results, problem_days, codes = {}, {}, []
        caplog.set_level(logging.DEBUG)
        for day in range(121):
            clock.move_to(START + timedelta(days=day))
            codes.append(tokens_job("", env))
            for problem in vault.metadata() and _problems(vault, day):
                problem_days.setdefault(problem, day)
            if day % 3 == 0:
                clock.move_to(START + timedelta(days=day, hours=17))
                enqueue_feature(session, feature(tmp_path, day))
                client = GraphClient(GraphConfig.from_env(), sleep=lambda s: None)
                publisher = Publisher(client=client, site_url="https://www.example.org",
                                      content_dir=tmp_path / "content", deploy=lambda: None, poll_s=0)
                results.update(publish_due(session, START + timedelta(days=day, hours=17), publisher))
        published = fake.published()
        meta = vault.metadata()
        ig_refreshes = sum(1 for t in book.store.values() if t["kind"] == "instagram_login") - 1
        user_expiry = datetime.fromtimestamp(meta["facebook_user"].expires_at, timezone.utc)
        summary = (f"\n120-day run: {len(results)} features, {sum(s == 'done' for s in results.values())} done, "
              f"{len(published['instagram'])} Instagram media, {len(published['facebook'])} Facebook photos; "
              f"Instagram-Login token refreshed {ig_refreshes}x, expires "
              f"{datetime.fromtimestamp(meta['instagram_login'].expires_at, timezone.utc):%Y-%m-%d}; "
              f"User token (unrefreshable) expired {user_expiry:%Y-%m-%d} (day {(user_expiry - START).days}); "
              f"first warning on day {problem_days.get('warning')}, first critical on day "
              f"{problem_days.get('critical')}; tokens job exit codes {sorted(set(codes))}")
        summary += f" (exit 3 on days {[d for d, c in enumerate(codes) if c][:3]}…{[d for d, c in enumerate(codes) if c][-1:]})"
        session.close()
        fake.stop()

    assert results and all(status == "done" for status in results.values())  # posting never stopped
    assert len(published["instagram"]) == len(results) == len(published["facebook"]) == 41
    assert ig_refreshes >= 3 and meta["instagram_login"].is_valid
    expiry_day = (user_expiry - START).days
    assert expiry_day - problem_days["warning"] == 14 and expiry_day - problem_days["critical"] == 3
    text = caplog.text + capsys.readouterr().out + vault.meta_path.read_text() + (tmp_path / "store.db").read_bytes().decode("latin-1")
    assert not [s for s in secrets if s in text]  # no token in logs, output, metadata or the store
    with capsys.disabled():
        print(summary)


def _problems(vault, day) -> set[str]:
    from scheduler.credentials.refresh import credential_problems

    now = START + timedelta(days=day)
    return {p.severity for p in credential_problems(vault.metadata(), now, "v26.0") if p.kind in ("token_expiring", "token_invalid")}


def test_an_unrefreshable_instagram_token_warns_14_and_3_days_ahead(tmp_path):
    from scheduler.credentials.api import NewToken, info_from_grant

    with time_machine.travel(START, tick=False) as clock:
        fake = GraphFake(tmp_path / "fake.json", refuse_refresh=True)
        fake.start()
        token = fake.tokens.add("IGAAstuck0000", "instagram_login", LONG_LIVED_S, data_access_s=None)
        vault = Vault(tmp_path / "secrets.json")
        vault.set_tokens(instagram_login=token)
        # expiry as the exchange answer said it (expires_in), recorded when the token was stored
        vault.save_metadata({"instagram_login": info_from_grant("instagram_login", "instagram_login",
                                                                NewToken(token, LONG_LIVED_S), START)})
        env = {"SOISTS_SECRETS_FILE": str(vault.path), "SOISTS_GRAPH_BASE_URL": fake.base_url,
               "SOISTS_IG_GRAPH_BASE_URL": fake.root_url}
        seen, codes = {}, {}
        for day in range(60):  # the token expires on day 60
            clock.move_to(START + timedelta(days=day))
            codes[day] = tokens_job("", env)
            for severity in _problems(vault, day):
                seen.setdefault(severity, day)
        fake.stop()
    assert (seen["warning"], seen["critical"]) == (60 - 14, 60 - 3)  # expiry on day 60
    assert codes[45] == 0 and codes[57] == 3
    info = vault.metadata()["instagram_login"]
    assert info.is_valid and info.last_error == "RetryLater: code 1/None" and DAY
