"""The README's newsletter commands: `--help` answers with the options (the month is a flag: a
positional argument would have taken "--help" as its value), and the example runs on the demo
content whatever today's date is (without --month it takes the newest issue)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INVOKE = Path(sys.executable).with_name("invoke")


def test_newsletter_help_prints_the_options():
    done = subprocess.run([str(INVOKE), "newsletter", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--month" in done.stdout and "--recipients" in done.stdout and "--subscribers" in done.stdout and "is not a month" not in done.stderr


def test_the_readme_example_makes_the_newest_issue(tmp_path):
    env = {**os.environ, "SOISTS_SITEURL": "https://so-ist-s.de"}
    done = subprocess.run([str(INVOKE), "newsletter", "--out", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    month = re.search(r"issue\s+(\d{4}-\d{2}) \(the newest", done.stdout).group(1)
    meta = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert meta["web_version"] == f"https://so-ist-s.de/newsletter/{month}/"
    assert "\u2060" not in (tmp_path / f"newsletter-{month}.txt").read_text(encoding="utf-8")
