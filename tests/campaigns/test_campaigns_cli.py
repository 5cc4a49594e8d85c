"""`python -m scheduler draw …` end to end on a store: open → freeze → run → contact → advance → answer → verify."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from scheduler.cli import main as cli
from scheduler.store.models import Post
from tests.campaigns.test_campaigns_draw import ESSLINGEN

SLUG = "fotowettbewerb-alt"
CAMPAIGN = """title: Fotowettbewerb Alt
kind: gewinnspiel
hashtags: #AltesLicht
start: 2025-03-01
end: 2025-03-31
municipality: esslingen-am-neckar
prize: Ein Bildband
winners: 1
reserves: 2
answer_days: 5

Ein Wettbewerb von gestern.
"""


def test_the_draw_commands(sessions, settings, capsys, monkeypatch):
    monkeypatch.delenv("SOISTS_IG_USER_ID", raising=False)  # no Graph API: notices go by direct message
    content = settings.root / "content"
    (content / "kampagnen").mkdir(parents=True)
    (content / "kampagnen" / f"{SLUG}.md").write_text(CAMPAIGN, encoding="utf-8")
    with sessions.begin() as session:
        for n in range(6):
            session.add(Post(uid=f"t:{n}", source="hashtag", author=f"licht_{n}", hashtags=["alteslicht"],
                             taken_at=datetime(2025, 3, 2 + n, 12, tzinfo=timezone.utc), municipality_ags=ESSLINGEN))

    def draw(*args) -> str:
        assert cli.main(["draw", *args, SLUG, "--content", str(content), "--editor", "eva"], settings) == 0
        return capsys.readouterr().out

    for step in ("open", "freeze", "run"):
        draw(step)
    told = draw("contact")
    winner = int(re.search(r"Beitrag (\d+): bitte per Direktnachricht senden", told).group(1))
    notice = told.split("festhalten:\n", 1)[1].splitlines()[0]  # one line, to copy into a direct message
    assert notice.startswith(f"Herzlichen Glückwunsch, @licht_{winner - 1}!")
    assert "„Fotowettbewerb Alt“" in notice and "Ein Bildband" in notice and "5 Tagen" in notice
    assert "ersetzt" not in draw("advance")  # days after the notice, not before
    draw("answer", "--post", str(winner), "--accepted", "--show-handle")
    published = json.loads((content / "kampagnen" / f"{SLUG}.draw.json").read_text(encoding="utf-8"))
    assert published["announced"] == [{"status": "accepted", "handle": f"licht_{winner - 1}"}]
    assert not any("licht_" in line for line in published["entries"])
    checked = draw("verify", "--handle", f"@Licht_{winner - 1}")
    assert "ok: 6 Teilnahmen" in checked and re.search(rf"^{winner} [0-9a-f]{{16}} 2025-03-", checked, re.M)
