"""The post file contract: write → read round trip, and every invalid field named."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from plugins.community.postfile import PostFileError, read_post_file, validate, write_post_file
from tests.community.smallsite import sample_post


def test_round_trip(tmp_path):
    post = sample_post(caption="Zeile eins #SoistS\nZeile zwei\n\nAbsatz mit <b>Text</b>")
    path = write_post_file(post, tmp_path)
    assert path == tmp_path / "community" / "probe-1.md"
    again, problems = read_post_file(path)
    assert problems == []
    assert again == post


def test_file_format_is_readable(tmp_path):
    text = write_post_file(sample_post(), tmp_path).read_text(encoding="utf-8")
    assert text.startswith("Id: probe-1\nPlatform: instagram\nHandle: probe_handle\n")
    assert "Featured: 2026-10-05T18:00:00+01:00\n" in text
    assert text.endswith("\n\nAbendlicht über #Esslingen #SoistS @wirzeigenS\n")


def test_email_submission_needs_no_handle_or_url(tmp_path):
    post = sample_post(platform="email", handle="", original_url="", original_id="", author_name="Familie K.")
    assert validate(post) == []


@pytest.mark.parametrize("changes,field", [
    ({"id": "Bad ID"}, "id"),
    ({"handle": "<script>"}, "handle"),
    ({"handle": ""}, "handle"),
    ({"original_url": "javascript:alert(1)"}, "original_url"),
    ({"original_url": "https://evil.example/p/1"}, "original_url"),
    ({"featured": datetime(2026, 10, 5, 18, 0)}, "featured"),
    ({"image": "../secret.jpg"}, "image"),
    ({"alt": "  "}, "alt"),
    ({"consent_method": ""}, "consent_method"),
    ({"municipality": ""}, "municipality"),
    ({"platform": "tiktok"}, "platform"),
])
def test_invalid_fields_are_named(tmp_path, changes, field):
    post = replace(sample_post(), **changes)
    assert field in [name for name, _ in validate(post)]
    with pytest.raises(PostFileError) as error:
        write_post_file(post, tmp_path)
    assert field in str(error.value)
    assert not (tmp_path / "community").exists() or not list((tmp_path / "community").iterdir())


def test_reader_reports_bad_dates_and_file_name(tmp_path):
    path = tmp_path / "other-name.md"
    text = write_post_file(sample_post(), tmp_path).read_text(encoding="utf-8")
    path.write_text(text.replace("Taken: 2026-10-01", "Taken: gestern"), encoding="utf-8")
    _post, problems = read_post_file(path)
    fields = [name for name, _ in problems]
    assert "taken" in fields and "id" in fields
