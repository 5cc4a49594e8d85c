"""The preview's error overlay (plugins/preview): a content problem is listed once, however
many plugins check the field it is in.

Run as a script by the test (the session's Pelican and its signal receivers then live in
their own process, as in test_preview.py):

    python -m tests.site.test_preview_errors CONTENT THEME OUTPUT SETTINGS_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import edits
from tests.conftest import ROOT
from tests.site.test_preview import run_preview_script


def main(content: Path, theme: Path, output: Path, overrides: dict) -> None:
    from plugins.preview.session import PreviewSession, preview_settings

    edits.break_event(content)  # an unknown municipality: checked by plugins/region and plugins/events
    session = PreviewSession(preview_settings(str(ROOT / "pelicanconf.py"), content, output,
                                              {"THEME": str(theme), **overrides}))
    print(json.dumps({"error": session.run().error}), flush=True)
    session.close()


def test_unknown_municipality_of_an_event_is_listed_once(tmp_path):
    run = run_preview_script(tmp_path, "tests.site.test_preview_errors")
    error = json.loads(run.stdout.splitlines()[-1])["error"]
    entries = [line for line in error.splitlines() if line.startswith("  - ")]
    assert len(entries) == 1, error
    assert "nirgendwo" in entries[0] and "field 'municipality'" in entries[0], error
    assert "1 content problem(s)" in error, error


if __name__ == "__main__":
    content_dir, theme_dir, output_dir, settings_json = sys.argv[1:5]
    main(Path(content_dir), Path(theme_dir), Path(output_dir), json.loads(settings_json))
