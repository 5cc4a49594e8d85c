"""plugins/parallel_read: one reused Markdown instance, and conversions made ahead in forked
workers, give what Pelican's own reader (a new instance per file) gives, file by file."""

from __future__ import annotations

from pathlib import Path

from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from plugins import parallel_read
from tests.conftest import ROOT

# Each document leaves state in some extension (footnotes, abbreviations, heading ids,
# the metadata block) that must not leak into the next one.
DOCUMENTS = [
    "Title: Eins\nSummary: Kurz *fett* [^a]\n\n# Kopf\n\nText mit Fußnote[^a] und HTML.\n\n"
    "[^a]: Die Fußnote.\n*[HTML]: Hyper Text Markup Language\n",
    "Title: Zwei\n\n# Kopf\n\nHTML ohne Abkürzung, \"Anführungszeichen\" und -- Striche.\n\n"
    "Term\n:   Definition\n",
    "Title: Drei\nTags: a, b\nSummary: Zweite\n    Zeile\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "```\ncode\n```\n\nNoch eine Fußnote[^b].\n\n[^b]: B.\n",
    "Kein Metadatenblock, nur Text.\n",
]


def _settings(workers: int = 2):
    return read_settings(str(ROOT / "pelicanconf.py"), override={"BUILD_WORKERS": workers, "BUILD_PARALLEL_MIN": 2})


def _files(tmp_path: Path) -> list[str]:
    paths = []
    for number, text in enumerate(DOCUMENTS * 3):  # each state after each other state
        path = tmp_path / f"doc-{number:02d}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def test_reused_reader_reads_like_pelicans_reader(tmp_path):
    paths = _files(tmp_path)
    expected = [MarkdownReader(_settings()).read(path) for path in paths]
    reused = parallel_read.ReusedMarkdownReader({**_settings(workers=1), "PATH": str(tmp_path)})
    assert [reused.read(path) for path in paths] == expected


def test_conversions_made_ahead_in_workers_read_like_pelicans_reader(tmp_path):
    paths = _files(tmp_path)
    expected = [MarkdownReader(_settings()).read(path) for path in paths]
    settings = _settings()
    ahead = parallel_read.convert_all(settings, paths)
    assert sorted(ahead) == sorted(paths)  # both the parent's and the worker's share arrived
    parallel_read.PREREAD.done.clear()
    parallel_read.PREREAD.done.update(ahead)
    parallel_read.PREREAD.started_for.add(str(tmp_path))  # taken from PREREAD, not converted again
    reader = parallel_read.ReusedMarkdownReader({**settings, "PATH": str(tmp_path)})
    assert [reader.read(path) for path in paths] == expected
    assert not parallel_read.PREREAD.done  # every conversion was used once


def test_the_workers_that_convert_ahead_also_clean_and_the_warning_still_names_file_and_field(tmp_path, caplog):
    """The sanitiser's clean-up of body and summary is made in the converting workers; the
    reading process then finds it instead of running nh3, with the same result and warning."""
    from pelican.contents import Article

    from plugins.sanitize import policy, sanitise_content

    paths = _files(tmp_path)
    evil = tmp_path / "evil.md"
    evil.write_text("Title: Böse\nSummary: Kurz <img src=x onerror=alert(1)>\n\nText <script>alert(1)</script>"
                    " mit <b onclick=x()>Klick</b>.\n", encoding="utf-8")
    paths.append(str(evil))
    settings = _settings()
    ahead = parallel_read.convert_all(settings, paths)
    assert sorted(ahead) == sorted(paths)
    html, _meta, formatted, cleaned = ahead[str(evil)]
    assert cleaned[0] == policy._MARKDOWN.clean(html) != html  # the body's clean form came along
    assert cleaned[1] == policy._MARKDOWN.clean(next(iter(formatted.values())))
    assert ahead[paths[3]][3] == (None,)  # a body nh3 leaves as it is: nothing more is sent

    class Counting:
        calls = 0

        def clean(self, text):
            Counting.calls += 1
            return real.clean(text)

    real, policy._MARKDOWN = policy._MARKDOWN, Counting()
    parallel_read.PREREAD.done.clear()
    parallel_read.PREREAD.done.update(ahead)
    parallel_read.PREREAD.started_for.add(str(tmp_path))
    try:
        reader = parallel_read.ReusedMarkdownReader({**settings, "PATH": str(tmp_path)})
        body, metadata = reader.read(str(evil))
        article = Article(body, metadata=metadata, settings=settings, source_path=str(evil))
        with caplog.at_level("WARNING"):
            sanitise_content(article)
    finally:
        policy._MARKDOWN = real
        policy._CLEANED_AHEAD.clear()
        parallel_read.PREREAD.done.clear()
    assert Counting.calls == 0  # nh3 ran in the workers only
    assert "<script" not in article._content and "onclick" not in article._content and "Klick" in article._content
    assert "onerror" not in article.metadata["summary"]
    warnings = " ".join(record.getMessage() for record in caplog.records)
    assert "evil.md" in warnings and "body" in warnings and "summary" in warnings


def test_a_production_build_converts_ahead_on_the_cores(tmp_path):
    """plugins/incremental holds the generators to one worker; reading ahead must still spread
    (it silently did not, and a full build at 3,000 articles took 22 s instead of 16 s)."""
    from tests.community.smallsite import make_content
    from tests.conftest import build_site

    content = make_content(tmp_path)
    (content / "articles").mkdir()
    for number in range(70):  # above BUILD_PARALLEL_MIN (64)
        (content / "articles" / f"a{number:02d}.md").write_text(
            f"Title: Artikel {number}\nDate: 2026-03-01 10:{number % 60:02d}\nCategory: Region\n"
            f"Summary: Kurz {number}.\n\nText {number}.\n", encoding="utf-8")
    done = build_site(tmp_path / "site", content=content, extra=["-v", "-e", "BUILD_WORKERS=2"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Markdown converted ahead on 2 cores" in " ".join((done.stdout + done.stderr).split())


DATES = ["2026-04-21 09:00", "2026-04-21", "2026-04-21T09:00:00", "2026-04-21 09:00:59", "2026-04-21T9:00",
         "2026-04-21 09:00:00+02:00", "2026-04-21T09:00Z", "2026-4-1 9:00", "21.04.2026", "April 21, 2026",
         "2026-04-21  09:00", "2026-04-21 09:00:00.5", "2026-02-30", "2026-04-21 24:00", "0999-01-01", "morgen"]


def _outcome(parse, text: str):
    try:
        value = parse(text)
    except ValueError as error:
        return "error", str(error)
    return type(value), value, repr(value.tzinfo)


def test_plain_iso_dates_are_read_without_dateutil_and_like_pelican(monkeypatch):
    """Pelican reads every `Date` with dateutil's general parser (a fifth of a millisecond each, in
    the parent process, for every file of the site); a plain ISO date is read directly, to the
    same SafeDatetime. Anything else (offsets, other formats, errors) still goes to Pelican."""
    from pelican import utils

    expected = {text: _outcome(utils.get_date, text) for text in DATES}
    assert {text: _outcome(parallel_read.get_date, text) for text in DATES} == expected
    monkeypatch.setattr(utils.dateutil.parser, "parse", lambda *args, **kwargs: 1 / 0)
    for text in ("2026-04-21 09:00", "2026-04-21", "2026-04-21T09:00:00", "2026-12-07 23:59:59"):
        assert parallel_read.get_date(text) == utils.SafeDatetime.fromisoformat(text)


def test_pelicans_readers_use_the_direct_date_reading(tmp_path):
    from pelican import readers

    settings = _settings(1)
    parallel_read.reuse_markdown(readers.Readers(settings))
    assert readers.get_date is parallel_read.get_date
