"""Every HTML file of the demo build is valid HTML: the W3C Nu HTML checker (vnu-jar, pinned in
tests/package.json, installed by `.ci/setup --browser` with `npm ci --prefix tests`) runs once
over all files with Debian's Java. Errors fail the test; warnings are printed, not hidden."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "tests" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")
# vnu checks a <meta> CSP against the files it reads from file: URLs, where 'self' matches no
# origin, so every image is "blocked". Not a finding about the site: the policy is checked in
# Chromium over HTTP by tests/security/test_csp_browser.py. Counted, not listed.
FILE_ORIGIN_CSP = "Resource violates Content Security Policy (meta tag)"


def vnu_messages(files: list[Path]) -> list[dict]:
    """One vnu run over all files; its JSON report (written to stderr) as a list of messages."""
    if JAVA is None or not VNU_JAR.exists():
        pytest.fail("vnu or Java missing: run .ci/setup --browser (default-jre-headless, npm ci --prefix tests)")
    result = subprocess.run([JAVA, "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    return json.loads(result.stderr)["messages"]


def describe(message: dict, site: Path) -> str:
    where = message.get("url", "").removeprefix("file:").removeprefix(str(site))
    return f"{where}:{message.get('lastLine', '?')}: {message.get('message', '')}"


def test_the_whole_demo_build_is_valid_html(demo_site):
    files = sorted(demo_site.rglob("*.html"))
    assert len(files) > 100
    assert any(f.relative_to(demo_site).parts[0] == "en" for f in files)  # the English pages too (plugins/i18n)
    messages = vnu_messages(files)
    errors = [m for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]
    warnings = [m for m in messages if m["type"] == "info" and m.get("subType") == "warning"]
    csp_artefacts = [m for m in warnings if m.get("message", "").startswith(FILE_ORIGIN_CSP)]
    warnings = [m for m in warnings if m not in csp_artefacts]
    print(f"\nvnu over {len(files)} files: {len(errors)} errors, {len(warnings)} warnings "
          f"(+{len(csp_artefacts)} CSP-on-file:-URL artefacts, see FILE_ORIGIN_CSP)")
    for text, count in Counter(describe(m, demo_site) for m in warnings).most_common():
        print(f"  warning ({count}×): {text}")
    assert [describe(m, demo_site) for m in errors] == []


def test_the_checker_does_report_a_heading_skip(tmp_path):
    """The check can fail: the mistake this test was written for (h1 followed by h3) is an error."""
    page = tmp_path / "skip.html"
    page.write_text('<!doctype html><html lang="de"><head><meta charset="utf-8"><title>x</title></head>'
                    "<body><h1>a</h1><h3>b</h3></body></html>", encoding="utf-8")
    errors = [m for m in vnu_messages([page]) if m["type"] == "error"]
    assert any("skipping 1 heading level" in m["message"] for m in errors), errors
