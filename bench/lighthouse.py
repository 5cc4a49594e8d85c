"""Lighthouse (mobile) on the home, a municipality, an event and the wall page.

    npm ci --prefix bench            # once: the pinned Lighthouse of bench/package-lock.json
    .venv/bin/python bench/lighthouse.py [--site DIR] [--event SLUG] [--runs N]

Builds the demo site into a temporary folder (or takes --site), serves it on 127.0.0.1 only
and runs Lighthouse's default mobile settings (emulated phone, simulated slow 4G and 4x CPU
slowdown) against Debian's Chromium (CHROME_PATH=/usr/bin/chromium; no browser download).
Prints the four category scores of every page beside the floors (performance >= 95,
accessibility, best practices and SEO 100) and the audits that cost points; with --runs N
the median of N runs counts. Exits non-zero when a floor is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from page_weight import CHROMIUM, CHROMIUM_FLAGS, pages, serving, site_folder  # noqa: E402

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
LABELS = {"performance": "perf", "accessibility": "a11y", "best-practices": "best-pr", "seo": "SEO"}


def ensure_lighthouse() -> None:
    if not LIGHTHOUSE.exists():
        print("installing the pinned Lighthouse: npm ci --prefix bench …", file=sys.stderr, flush=True)
        subprocess.run(["npm", "ci", "--prefix", str(BENCH), "--no-audit", "--no-fund"], check=True,
                       stdout=subprocess.DEVNULL)


def lighthouse_version() -> str:
    return subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def run_lighthouse(url: str, output: Path) -> dict:
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    command = [
        str(LIGHTHOUSE), url,
        "--output=json", f"--output-path={output}", "--quiet",
        "--form-factor=mobile",  # Lighthouse's default, said out loud
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=" + " ".join(CHROMIUM_FLAGS),
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if completed.returncode != 0 or not output.exists():
        sys.stderr.write(completed.stderr[-4000:])
        raise SystemExit(f"lighthouse failed on {url} (exit {completed.returncode})")
    return json.loads(output.read_text(encoding="utf-8"))


def scores(report: dict) -> dict[str, float]:
    return {key: round(100 * (report["categories"][key]["score"] or 0)) for key in CATEGORIES}


def losses(report: dict) -> list[str]:
    """The audits that cost points in a category below 100, with their display value."""
    lines = []
    for key in CATEGORIES:
        category = report["categories"][key]
        if (category["score"] or 0) >= 1:
            continue
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                value = audit.get("displayValue") or ""
                lines.append(f"    {LABELS[key]}: {ref['id']} score {audit['score']:.2f} {value}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", help="a built site folder (default: build content/ into a temp folder)")
    parser.add_argument("--event", help="slug of the event page (default: the largest one)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median counts")
    args = parser.parse_args(argv)

    ensure_lighthouse()
    failed = False
    with site_folder(args.site) as site, serving(site) as base, \
            tempfile.TemporaryDirectory(prefix="soists-lh-") as tmp:
        paths = pages(site, args.event)
        width = max(len(path) for path in paths)
        floors = ", ".join(f"{LABELS[key]} >= {floor}" for key, floor in CATEGORIES.items())
        print(f"Lighthouse {lighthouse_version()} mobile, Chromium {CHROMIUM}, "
              f"median of {args.runs} run(s); floors: {floors}")
        print(f"{'page':<{width}}  " + "  ".join(f"{LABELS[key]:>11}" for key in CATEGORIES) + "  verdict")
        for path in paths:
            reports = [run_lighthouse(base + path, Path(tmp) / f"report-{index}.json")
                       for index in range(args.runs)]
            runs = [scores(report) for report in reports]
            median = {key: statistics.median(run[key] for run in runs) for key in CATEGORIES}
            ok = all(median[key] >= floor for key, floor in CATEGORIES.items())
            failed |= not ok
            cells = "  ".join(f"{median[key]:>5.0f} / {floor:>3}" for key, floor in CATEGORIES.items())
            print(f"{path:<{width}}  {cells}  {'ok' if ok else 'MISSED'}")
            worst = min(reports, key=lambda report: sum(scores(report).values()))
            for line in losses(worst):
                print(line)
    print("all floors hold" if not failed else "a floor is missed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
