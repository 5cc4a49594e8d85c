"""Drive a preview session through a seeded random sequence of edits (run as a script, so
the session's Pelican and its signal receivers live in their own process).

    python -m tests.site.preview_run CONTENT THEME OUTPUT SETTINGS_JSON SEED STEPS
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from bench import edits as preview_edits
from plugins.preview.session import PreviewSession, preview_settings

ROOT = Path(__file__).resolve().parents[2]


def changed_images(content: Path, edit) -> set[str]:
    """A replaced image is saved under images/ with the post's name (bench.edits.replace_image)."""
    if not edit.what.startswith("image "):
        return set()
    return {str(content / "images" / "community" / edit.what.split()[1])}


def main(content: Path, theme: Path, output: Path, overrides: dict, seed: int, steps: int) -> None:
    session = PreviewSession(preview_settings(str(ROOT / "pelicanconf.py"), content, output,
                                              {"THEME": str(theme), **overrides}))
    first = session.run()
    assert first.error is None, first.error
    rng = random.Random(seed)
    kinds = [*preview_edits.EDITS, "theme", "error"]
    for number in range(steps):
        kind = rng.choice(kinds)
        first = None
        if kind == "theme":  # templates are followed output by output: nothing to forget
            done = preview_edits.edit_theme(theme, number).what
        elif kind == "error":
            path, original = preview_edits.break_event(content)
            look = session.page_first({str(path)})
            assert look.error and "nirgendwo" in look.error, look.error
            broken = session.run()
            assert broken.error and "nirgendwo" in broken.error, broken.error
            path.write_bytes(original)
            preview_edits.touch(path)
            done = f"error in {path.name}, then fixed"
        else:
            edit = preview_edits.EDITS[kind](content, rng, number)
            done = edit.what
            # as `python -m plugins.preview` does on a save: a body alone without the full pass,
            # else the edited page first, then the full pass
            changed = {str(path) for path in (edit.path, edit.gone) if path is not None} | changed_images(content, edit)
            outcome = session.body_edits(changed)
            if outcome is None:
                first = session.page_first(changed)
                assert first.error is None, f"{done}: {first.error}"
        if kind in ("theme", "error") or outcome is None:
            outcome = session.run()
        assert outcome.error is None, f"{done}: {outcome.error}"
        print(json.dumps({"edit": done, "seconds": round(outcome.seconds, 3), "rendered": len(outcome.rendered),
                          "removed": len(outcome.removed), "first": first and first.pages_first,
                          "body_only": outcome.body_only}), flush=True)
    session.close()


if __name__ == "__main__":
    content, theme, output, settings, seed, steps = sys.argv[1:7]
    main(Path(content), Path(theme), Path(output), json.loads(settings), int(seed), int(steps))
