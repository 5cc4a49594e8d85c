"""The real requests-based Graph client against the local fake: calls, errors, backoff, secrets."""

from __future__ import annotations

import logging

import pytest
import requests

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from scheduler.publish.graph_api import (
    ContainerExpired,
    Fatal,
    GraphClient,
    GraphConfig,
    MediaNotReady,
    NeedsEditor,
    OutcomeUnknown,
    QuotaExceeded,
    RetryLater,
    classify,
    install_token_redaction,
)


@pytest.fixture
def fake(tmp_path):
    fake = GraphFake(tmp_path / "fake.json", polls_until_finished=2)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(fake, sleeps):
    config = GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, fake.base_url)
    return GraphClient(config, sleep=sleeps.append, backoff_s=1.0)


def test_container_poll_publish_and_quota(client, fake):
    assert client.publishing_quota().usage == 0
    container = client.create_image_container("http://127.0.0.1/x.jpg", "Hallo #SoistS")
    assert client.container_status(container) == "IN_PROGRESS"
    assert client.wait_until_ready(container, poll_s=0) == "FINISHED"
    media = client.publish_container(container)
    assert client.container_status(container) == "PUBLISHED"
    quota = client.publishing_quota()
    assert (quota.usage, quota.total, quota.left) == (1, 50, 49)
    assert client.find_media_by_caption("Hallo #SoistS") == media
    assert [m["id"] for m in fake.published()["instagram"]] == [media]


def test_page_photo_and_lookup(client, fake):
    photo = client.post_page_photo("http://127.0.0.1/x.jpg", "Text https://site/kommunen/x/")
    assert client.find_page_photo("https://site/kommunen/x/") == photo.id
    assert client.find_page_photo("nothing") is None
    assert fake.published()["facebook"][0]["id"] == photo.id
    assert fake.published()["facebook"][0]["post_id"] == photo.post_id  # both ids kept, as answered


def test_rate_limit_is_retried_after_the_time_meta_names(client, fake, sleeps):
    fake.inject("rate_limit", 2)  # BUC header: estimated_time_to_regain_access 1 (minute)
    assert client.publishing_quota().total == 50
    assert sleeps == [60.0, 60.0]


def test_a_long_regain_time_is_raised_not_slept(client, fake, sleeps):
    fake.regain_minutes = 10
    fake.inject("rate_limit")
    with pytest.raises(RetryLater) as caught:
        client.publishing_quota()
    assert caught.value.retry_after == 600.0 and caught.value.code == 4 and sleeps == []


def test_a_limit_without_a_regain_time_uses_exponential_backoff(client, fake, sleeps):
    fake.inject("user_rate_limit", 2)  # code 17: X-App-Usage at 100 %, no time named
    assert client.publishing_quota().total == 50
    assert len(sleeps) == 2 and 1.0 <= sleeps[0] < 1.2 and 2.0 <= sleeps[1] < 2.4


def test_usage_headers_are_read_on_every_answer(client, fake):
    client.publishing_quota()
    assert set(client.last_usage) >= {"app", "business"}
    assert client.last_usage["business"][IG_USER_ID][0]["type"] == "instagram"


def test_usage_header_parsing():
    from scheduler.publish.graph_usage import parse_usage, regain_seconds

    usage = parse_usage({
        "X-App-Usage": '{"call_count": 100, "total_cputime": 10, "total_time": 10}',
        "X-Business-Use-Case-Usage": '{"1784": [{"type": "instagram", "call_count": 100, "total_cputime": 5, '
                                     '"total_time": 5, "estimated_time_to_regain_access": 3}]}',
        "X-Ad-Account-Usage": '{"acc_id_util_pct": 100, "reset_time_duration": 400}',
        "X-Other": "x"})
    assert regain_seconds(usage) == 400.0  # the longest wait named (3 min = 180 s, 400 s)
    assert regain_seconds(parse_usage({"X-App-Usage": "not json"})) is None
    assert regain_seconds(parse_usage({})) is None


def test_retry_later_stays_backward_compatible():
    assert RetryLater("x").retry_after is None
    assert RetryLater("x", code=4, retry_after=12.5).retry_after == 12.5


def test_rate_limit_that_persists_raises_retry_later(client, fake, sleeps):
    fake.inject("user_rate_limit", 10)
    with pytest.raises(RetryLater) as caught:
        client.create_image_container("http://127.0.0.1/x.jpg", "c")
    assert caught.value.code == 17 and len(sleeps) == 3


def test_expired_token_needs_an_editor_and_is_not_retried(client, fake, sleeps):
    fake.inject("expired_token")
    with pytest.raises(NeedsEditor) as caught:
        client.post_page_photo("http://127.0.0.1/x.jpg", "c")
    assert caught.value.code == 190 and caught.value.subcode == 463 and sleeps == []
    assert fake.published()["facebook"] == []


def test_container_error_needs_an_editor(client, fake):
    fake.inject("container_error")
    container = client.create_image_container("http://127.0.0.1/x.jpg", "c")
    with pytest.raises(NeedsEditor, match="ERROR"):
        client.wait_until_ready(container, poll_s=0)


def test_wrong_token_and_bad_request(fake, sleeps):
    bad = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, "wrong-token", PAGE_TOKEN, fake.base_url),
                      sleep=sleeps.append)
    with pytest.raises(NeedsEditor):
        bad.publishing_quota()
    good = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, fake.base_url),
                       sleep=sleeps.append)
    with pytest.raises(Fatal):
        good.create_image_container("", "no url")


def test_dropped_connection_on_publish_is_outcome_unknown(sleeps):
    config = GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, "http://127.0.0.1:9/v26.0")
    client = GraphClient(config, sleep=sleeps.append, timeout_s=2)
    with pytest.raises(OutcomeUnknown):
        client.publish_container("123")
    assert sleeps == []  # never retried blindly


@pytest.mark.parametrize("status,payload,kind", [
    (400, {"error": {"code": 4}}, RetryLater),
    (400, {"error": {"code": 32}}, RetryLater),
    (400, {"error": {"code": 613}}, RetryLater),
    (400, {"error": {"code": -1, "error_subcode": 2207001}}, RetryLater),
    (400, {"error": {"code": 190}}, NeedsEditor),
    (400, {"error": {"code": 10}}, NeedsEditor),
    (400, {"error": {"code": 9004, "error_subcode": 2207052}}, NeedsEditor),
    (400, {"error": {"code": 36003, "error_subcode": 2207009}}, NeedsEditor),
    (400, {"error": {"code": 100}}, Fatal),
    (503, {}, RetryLater),
    (400, {"error": {"code": 9007, "error_subcode": 2207027}}, MediaNotReady),  # a RetryLater: poll again
    (400, {"error": {"code": 100, "is_transient": True}}, RetryLater),
    (400, {"error": {"code": 9, "error_subcode": 2207042}}, QuotaExceeded),
    (400, {"error": {"code": -2, "error_subcode": 2207020}}, ContainerExpired),
])
def test_classification(status, payload, kind):
    assert classify(status, payload) is kind
    assert not issubclass(kind, (MediaNotReady, QuotaExceeded, ContainerExpired)) or issubclass(kind, RetryLater)


def test_tokens_never_reach_the_logs(client, fake, caplog, monkeypatch):
    monkeypatch.setenv("SOISTS_IG_TOKEN", IG_TOKEN)
    monkeypatch.setenv("SOISTS_FB_PAGE_TOKEN", PAGE_TOKEN)
    install_token_redaction(logger=logging.getLogger())  # root handlers, incl. caplog's
    caplog.handler.addFilter(install_token_redaction())
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("urllib3").setLevel(logging.DEBUG)
        client.publishing_quota()
        fake.inject("expired_token")
        with pytest.raises(NeedsEditor):
            client.publishing_quota()
        logging.getLogger("scheduler.test").info("config %s token=%s", client.config, IG_TOKEN)
        try:
            raise RuntimeError(f"boom {PAGE_TOKEN}")
        except RuntimeError:
            logging.getLogger("scheduler.test").exception("failed")
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "[redacted]" in text
    assert IG_TOKEN not in text and PAGE_TOKEN not in text
    assert IG_TOKEN not in repr(client.config)
    # And nothing secret travelled in a URL the fake saw.
    assert not any(IG_TOKEN in r or PAGE_TOKEN in r for r in fake._load().requests)


def test_config_from_environment():
    env = {"SOISTS_IG_USER_ID": "1", "SOISTS_FB_PAGE_ID": "2", "SOISTS_IG_TOKEN": "a" * 8,
           "SOISTS_FB_PAGE_TOKEN": "b" * 8}
    assert GraphConfig.from_env(env).base_url == "https://graph.facebook.com/v26.0"
    assert GraphConfig.from_env({**env, "SOISTS_GRAPH_VERSION": "v25.0"}).base_url.endswith("/v25.0")
    with pytest.raises(NeedsEditor, match="SOISTS_IG_TOKEN"):
        GraphConfig.from_env({"SOISTS_SECRETS_FILE": "/nonexistent/secrets.json"})
    with pytest.raises(NeedsEditor, match="Instagram-Login token"):
        GraphConfig.from_env({**env, "SOISTS_IG_TOKEN": "IGAAbcdefgh"})
    assert requests  # the client under test is the real requests code


def test_server_error_on_a_post_is_outcome_unknown_but_retried_on_a_get(client, fake, sleeps):
    fake.inject("server_error")
    with pytest.raises(OutcomeUnknown):
        client.post_page_photo("http://127.0.0.1/x.jpg", "c")
    assert sleeps == []
    fake.inject("server_error")
    assert client.find_page_photo("x") is None and len(sleeps) == 1


def test_faults_can_be_injected_from_another_process(client, fake):
    response = requests.post(fake.base_url.rsplit("/", 1)[0] + "/_fake/faults",
                             data={"kind": "expired_token", "times": "1"}, timeout=5)
    assert response.json() == {"faults": ["expired_token"]}
    with pytest.raises(NeedsEditor):
        client.publishing_quota()
