"""Incremental builds (plugins/incremental): a rebuild with nothing changed keeps every output
file untouched; any change to content, theme, settings or output - or the clock passing a
moment the output depends on - gives a full build."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from plugins.incremental import clock
from plugins.incremental.fingerprint import settings_digest, tree_digest
from tests.community.smallsite import add_post, build, make_content, sample_post
from tests.conftest import ROOT, build_site


def file_times(output: Path) -> dict[str, int]:
    return {p.relative_to(output).as_posix(): p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}


def manifest_of(output: Path) -> Path | None:
    found = list(output.parent.glob(f".{output.name}.build-cache/*/manifest.json"))
    return found[0] if found else None


def small_site(tmp_path: Path, **post_changes):
    content = make_content(tmp_path)
    add_post(content, sample_post(**post_changes))
    output, images = tmp_path / "out", tmp_path / "images"
    first = build(content, output, images)
    assert first.returncode == 0, first.stdout + first.stderr
    return content, output, images


def rebuilt(before: dict[str, int], output: Path) -> bool:
    """True when the build rewrote the pages (the home page stands for all of them)."""
    return file_times(output)["index.html"] != before["index.html"]


def test_rebuild_with_nothing_changed_keeps_every_file(tmp_path):
    content, output, images = small_site(tmp_path)
    before = file_times(output)
    assert manifest_of(output) is not None
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert file_times(output) == before  # not one file written, sitemap and search index included


def test_edited_content_is_rebuilt(tmp_path):
    content, output, images = small_site(tmp_path)
    before = file_times(output)
    post_file = content / "community" / "probe-1.md"
    post_file.write_text(post_file.read_text(encoding="utf-8").replace("Abendlicht über", "Morgennebel über"),
                         encoding="utf-8")
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert rebuilt(before, output)
    assert "Morgennebel über" in (output / "wall/probe-1/index.html").read_text(encoding="utf-8")


def test_changed_setting_and_ignore_cache_rebuild(tmp_path):
    content, output, images = small_site(tmp_path)
    before = file_times(output)
    renamed = build(content, output, images, {"SITENAME": "So ist S Testlauf"})
    assert renamed.returncode == 0, renamed.stdout + renamed.stderr
    assert rebuilt(before, output)
    assert "So ist S Testlauf" in (output / "index.html").read_text(encoding="utf-8")
    before = file_times(output)
    forced = build_site(output, content=content, extra=["--ignore-cache", "-e", f"IMAGE_CACHE_DIR={json.dumps(str(images))}",
                                                        'SITENAME="So ist S Testlauf"'])
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert rebuilt(before, output)


def test_edited_theme_template_is_rebuilt(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    content = make_content(tmp_path)
    add_post(content, sample_post())
    output, images = tmp_path / "out", tmp_path / "images"
    settings = {"THEME": str(theme)}
    assert build(content, output, images, settings).returncode == 0
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", "<!-- neue Vorlage --></body>"),
                    encoding="utf-8")
    again = build(content, output, images, settings)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "<!-- neue Vorlage -->" in (output / "index.html").read_text(encoding="utf-8")


def test_output_changed_by_hand_is_rebuilt(tmp_path):
    content, output, images = small_site(tmp_path)
    (output / "wall" / "index.html").unlink()
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (output / "wall" / "index.html").is_file()


def test_failed_build_is_never_trusted(tmp_path):
    """The manifest goes before anything is written: after a failed build, restoring the
    inputs exactly (bytes and modification time) still gives a full build."""
    content, output, images = small_site(tmp_path)
    post_file = content / "community" / "probe-1.md"
    original, stat = post_file.read_bytes(), post_file.stat()
    post_file.write_text(original.decode().replace("esslingen-am-neckar", "nirgendwo"), encoding="utf-8")
    failed = build(content, output, images)
    assert failed.returncode != 0 and "nirgendwo" in failed.stdout + failed.stderr
    assert manifest_of(output) is None
    post_file.write_bytes(original)
    os.utime(post_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    before = file_times(output)
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert rebuilt(before, output)


def _site_built_before(tmp_path: Path, lead_seconds: int):
    """A small site with a post featured `lead_seconds` from now, or None when building it
    took longer than that (a loaded machine): then the build may have seen it as due."""
    featured = (datetime.now(timezone.utc) + timedelta(seconds=lead_seconds)).replace(microsecond=0)
    folder = tmp_path / f"lead-{lead_seconds}"
    folder.mkdir()
    site = small_site(folder, featured=featured)
    return (*site, featured) if datetime.now(timezone.utc) < featured else None


def test_scheduled_post_appears_once_its_time_has_come(tmp_path):
    # a fixed lead of 4 s failed when the first build alone took longer: grow it until it holds
    built = next(filter(None, (_site_built_before(tmp_path, lead) for lead in (4, 15, 60))), None)
    assert built is not None, "the first build never finished within 60 s"
    content, output, images, featured = built
    assert not (output / "wall/probe-1/index.html").exists()
    recorded = json.loads(manifest_of(output).read_text())
    assert datetime.fromisoformat(recorded["valid_until"]) == min(featured, clock.next_midnight(featured))
    time.sleep(max(0.0, (featured - datetime.now(timezone.utc)).total_seconds()) + 0.5)
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (output / "wall/probe-1/index.html").is_file()


def test_valid_until_follows_the_next_event_end(tmp_path):
    from tests.events.events_testkit import event_file
    from tests.events.events_testkit import make_content as event_content

    now = datetime.now(clock.BERLIN)
    start = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=1)
    content = event_content(tmp_path, {"gleich": event_file(
        title="Gleich", uid="gleich@so-ist-s.de", start=f"{start:%Y-%m-%d %H:%M}", end=f"{end:%Y-%m-%d %H:%M}",
        category="netzwerk", municipality="stuttgart", location="Rathaus",
        address="Marktplatz 1, 70173 Stuttgart")})
    output = tmp_path / "out"
    result = build_site(output, content=content)
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = datetime.fromisoformat(json.loads(manifest_of(output).read_text())["valid_until"])
    assert recorded == min(end, clock.next_midnight(now))


def test_next_midnight_is_berlin_midnight_across_the_dst_change():
    noon_before_change = datetime(2026, 10, 24, 12, 0, tzinfo=clock.BERLIN)
    midnight = clock.next_midnight(noon_before_change)
    assert midnight.isoformat() == "2026-10-25T00:00:00+02:00"
    late_utc = datetime(2026, 10, 25, 23, 30, tzinfo=timezone.utc)  # already 26 Oct in Berlin
    assert clock.next_midnight(late_utc).isoformat() == "2026-10-27T00:00:00+01:00"


def test_first_after_skips_the_past_and_reads_dates_as_berlin_midnight():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=clock.BERLIN)
    moments = [now - timedelta(hours=1), now, date(2026, 11, 25), now + timedelta(days=3)]
    assert clock.first_after(moments, now) == datetime(2026, 11, 25, 0, 0, tzinfo=clock.BERLIN)
    assert clock.first_after([now], now) is None
    assert clock.valid_until(now, [None, now + timedelta(hours=2)]) == now + timedelta(hours=2)


def test_settings_digest_is_stable_and_sees_changes():
    def jinja_filter(value):
        return value

    settings = {"SITENAME": "So ist S", "JINJA_FILTERS": {"f": jinja_filter}, "PATHS": {"a", "b"}}
    assert settings_digest(settings) == settings_digest(dict(settings))
    assert settings_digest(settings) != settings_digest({**settings, "SITENAME": "Anders"})
    assert settings_digest(settings, ignore=["SITENAME"]) == settings_digest({**settings, "SITENAME": "Anders"},
                                                                               ignore=["SITENAME"])


def test_tree_digest_sees_added_touched_and_removed_files(tmp_path):
    (tmp_path / "a.md").write_text("a")
    first = tree_digest(tmp_path)
    (tmp_path / "b.md").write_text("b")
    second = tree_digest(tmp_path)
    os.utime(tmp_path / "a.md", ns=(1, 1))
    third = tree_digest(tmp_path)
    (tmp_path / "b.md").unlink()
    assert len({first, second, third, tree_digest(tmp_path)}) == 4


def test_production_setting_delete_output_directory_keeps_an_unchanged_output(tmp_path):
    """publishconf.py sets DELETE_OUTPUT_DIRECTORY: Pelican empties the folder after the plugin
    decided to keep it, so a kept build must not let it (it would leave an empty site)."""
    settings = {"DELETE_OUTPUT_DIRECTORY": True}
    content = make_content(tmp_path)
    add_post(content, sample_post())
    output, images = tmp_path / "out", tmp_path / "images"
    assert build(content, output, images, settings).returncode == 0
    (output / "stale.html").write_text("<p>alt</p>", encoding="utf-8")  # a leftover: the next full build drops it
    post_file = content / "community" / "probe-1.md"
    post_file.write_text(post_file.read_text(encoding="utf-8").replace("Abendlicht über", "Morgennebel über"),
                         encoding="utf-8")
    assert build(content, output, images, settings).returncode == 0
    assert not (output / "stale.html").exists()
    before = file_times(output)
    assert len(before) > 100
    again = build(content, output, images, settings)
    assert again.returncode == 0, again.stdout + again.stderr
    assert file_times(output) == before


def test_a_replaced_output_is_discarded_without_waiting(tmp_path):
    from plugins.incremental import DISCARDED, discard

    old = tmp_path / "previous-output"
    for number in range(300):
        (old / f"artikel-{number}").mkdir(parents=True)
        (old / f"artikel-{number}" / "index.html").write_text("<p>alt</p>", encoding="utf-8")
    discard(old)
    assert not old.exists()  # out of the way at once: the next build may use the name
    deadline = time.monotonic() + 30
    while list(tmp_path.glob(f"*{DISCARDED}*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.iterdir()) == []  # and deleted in the background
    discard(tmp_path / "missing")  # nothing there: nothing to do


def test_plugin_code_digest_follows_code_and_npm_installs_not_every_npm_file(tmp_path):
    """The plugins' npm packages (27,000 files) were stat'ed on every build: a fifth of a
    no-change rebuild. npm's own record of an install stands for them."""
    from plugins.incremental.fingerprint import code_digest

    plugins = tmp_path / "plugins"
    (plugins / "cms" / "node_modules" / "decap-cms" / "dist").mkdir(parents=True)
    (plugins / "cms" / "__init__.py").write_text("VERSION = 1\n")
    bundle = plugins / "cms" / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
    bundle.write_text("bundle 1")
    record = plugins / "cms" / "node_modules" / ".package-lock.json"
    record.write_text('{"packages": {"node_modules/decap-cms": {"version": "3.0.0"}}}')
    first = code_digest(plugins)
    later = time.time() + 5
    os.utime(bundle, (later, later))
    assert code_digest(plugins) == first  # a file inside node_modules alone: not looked at
    record.write_text('{"packages": {"node_modules/decap-cms": {"version": "3.10.0"}}}')  # npm ci / install
    after_install = code_digest(plugins)
    assert after_install != first
    (plugins / "cms" / "__init__.py").write_text("VERSION = 20\n")
    assert code_digest(plugins) != after_install


def test_an_english_page_left_in_the_folder_goes_when_a_full_build_writes_over_it(tmp_path):
    """Only a build that begins writing into an empty folder skips the English-orphan walk
    (plugins/i18n): a full build over an earlier output still removes a leftover twin."""
    content, output, images = small_site(tmp_path)
    ghost = output / "en" / "wall" / "ghost" / "index.html"
    ghost.parent.mkdir(parents=True)
    ghost.write_text("<!doctype html><title>ghost</title>", encoding="utf-8")
    shutil.rmtree(output.parent / f".{output.name}.build-cache")  # no record: a full build over the folder
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not ghost.exists()
    assert (output / "en" / "wall" / "probe-1" / "index.html").is_file()
