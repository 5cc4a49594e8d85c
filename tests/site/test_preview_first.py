"""The preview's first look (plugins/preview/page_first.py): on a save, the edited page is
written before the full pass; for a text edit it is already exactly what the full pass
writes, so the full pass leaves it as it is.

Run as a script by the test (the session's Pelican and its signal receivers then live in
their own process, as in test_preview.py):

    python -m tests.site.test_preview_first CONTENT THEME OUTPUT SETTINGS_JSON
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

from bench import edits
from tests.conftest import ROOT
from tests.site.test_preview import run_preview_script

TEXT_EDITS = {
    "article": ("articles/green-tech-region.md", "artikel/green-tech-region/index.html"),
    "event": ("events/netzwerk-transformation-ludwigsburg.md", None),
    "page": ("pages/ueber.md", "ueber/index.html"),
}


def main(content: Path, theme: Path, output: Path, overrides: dict) -> None:
    from plugins.preview.session import PreviewSession, preview_settings

    session = PreviewSession(preview_settings(str(ROOT / "pelicanconf.py"), content, output,
                                              {"THEME": str(theme), **overrides}))
    assert session.run().error is None
    post = sorted((content / "community").glob("*.md"))[0]
    cases = [*((kind, content / source) for kind, (source, _) in TEXT_EDITS.items()), ("post", post)]
    for number, (kind, source) in enumerate(cases):
        marker = f"Erster Blick {number}: Zwetschgenkuchen"
        edits.append_text(source, marker)
        look = session.page_first({str(source)})
        after_look = {name: (output / name).read_bytes() for name in look.pages_first}
        full = session.run()
        assert full.error is None, full.error
        print(json.dumps({"kind": kind, "first": look.pages_first, "marker": marker,
                          "shown": {name: marker.encode() in body for name, body in after_look.items()},
                          "same_after_full_pass": {name: (output / name).read_bytes() == body
                                                   for name, body in after_look.items()},
                          "rendered_by_full_pass": len(full.rendered)}), flush=True)
    # a new file, a deleted one, a file with a problem
    new = edits.new_article(content, random.Random(1), 90)
    look = session.page_first({str(new.path)})
    print(json.dumps({"kind": "new", "first": look.pages_first,
                      "shown": {name: new.marker.encode() in (output / name).read_bytes() for name in look.pages_first}}))
    assert session.run().error is None
    gone = content / TEXT_EDITS["article"][0]
    gone.unlink()
    look = session.page_first({str(gone)})
    print(json.dumps({"kind": "delete", "removed": [os.path.relpath(path, output) for path in look.removed]}))
    assert session.run().error is None
    broken, _original = edits.break_event(content)
    look = session.page_first({str(broken)})
    print(json.dumps({"kind": "error", "error": look.error, "written": look.pages_first}), flush=True)
    session.close()


def test_the_edited_page_is_written_first_and_the_full_pass_agrees(tmp_path):
    run = run_preview_script(tmp_path, "tests.site.test_preview_first")
    served = run.served
    steps = {step["kind"]: step for step in (json.loads(line) for line in run.stdout.splitlines()
                                             if line.startswith('{"kind"'))}
    for kind in ("article", "event", "page", "post"):
        step = steps[kind]
        assert len(step["first"]) == 1, step  # the page itself, none of its lists
        assert all(step["shown"].values()), step
        assert all(step["same_after_full_pass"].values()), step
    assert steps["article"]["first"] == [TEXT_EDITS["article"][1]]
    assert steps["page"]["first"] == [TEXT_EDITS["page"][1]]
    assert steps["event"]["first"][0].startswith("termine/netzwerk-transformation-ludwigsburg")
    assert steps["new"]["first"] == ["artikel/neu-90/index.html"] and all(steps["new"]["shown"].values())
    assert steps["delete"]["removed"] == [TEXT_EDITS["article"][1]]
    assert not (served / TEXT_EDITS["article"][1]).exists()
    assert "nirgendwo" in steps["error"]["error"] and steps["error"]["written"] == []


if __name__ == "__main__":
    content_dir, theme_dir, output_dir, settings_json = sys.argv[1:5]
    main(Path(content_dir), Path(theme_dir), Path(output_dir), json.loads(settings_json))
