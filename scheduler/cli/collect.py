"""Collect-stage commands: collect (Instagram via instaloader), import (offline folders)."""

from __future__ import annotations

from pathlib import Path

from plugins.region.registry import load_registry
from scheduler.cli.common import console, out, progress, sessions
from scheduler.collect.ingest import Collector, DbCursorStore, RunReport
from scheduler.collect.run import VIAS, collect, run_source
from scheduler.collect.sources.base import SourceStopped
from scheduler.exitcodes import EXIT_OK, EXIT_USAGE, STOP_EXIT


def _run_with_progress(collector: Collector, source, total: int | None, label: str | None = None) -> RunReport:
    with progress() as bar:
        task = bar.add_task(label or f"collecting {source.name}", total=total)
        return run_source(collector, source, total, on_post=lambda *_: bar.advance(task))


def _print_report(prefix: str, report: RunReport) -> None:
    out.print(f"{prefix}{report.summary()}")
    for message in report.messages:
        out.print(f"  note: {message}", markup=False, highlight=False)


def cmd_import(args, settings) -> int:
    from scheduler.collect.sources.folder_import import FolderSource
    from scheduler.collect.sources.manual import ManualSource

    folder = Path(args.path)
    if not folder.exists():
        console.print(f"[red]no such file or folder: {folder}", highlight=False)
        return EXIT_USAGE
    collector = Collector(sessions(settings), settings, load_registry())
    source = ManualSource([folder]) if args.manual else FolderSource(folder)
    _print_report("", _run_with_progress(collector, source, len(source), f"importing {folder.name}"))
    return EXIT_OK


def cmd_collect(args, settings) -> int:
    store = sessions(settings)
    collector = Collector(store, settings, load_registry())
    try:
        for name, report in collect(collector, DbCursorStore(store), settings, args.source,
                                    args.budget, run=_run_with_progress, via=args.via):
            _print_report(f"{name}: ", report)
    except SourceStopped as stop:
        console.print(f"[yellow]stopped: {stop.message}")
        return STOP_EXIT[stop.kind]
    return EXIT_OK


def cmd_webhook(args, settings) -> int:
    import logging
    import os

    from scheduler.collect.official import serve_webhook

    # main() configured logging at WARNING already (basicConfig would be a no-op): the receiver's one
    # line per batch is INFO and belongs in the journal, unless SOISTS_LOG_LEVEL says otherwise
    if not os.environ.get("SOISTS_LOG_LEVEL"):
        logging.getLogger().setLevel(logging.INFO)
    serve_webhook(Collector(sessions(settings), settings, load_registry()), settings, port=args.port)
    return EXIT_OK


def cmd_scrub_media(args, settings) -> int:
    """Strip EXIF/GPS from originals and thumbnails stored before imports did it themselves."""
    from sqlalchemy import select

    from scheduler.collect.media_store import BadImage, rescrub
    from scheduler.store.models import Image

    cleaned = failed = 0
    with sessions(settings).begin() as session:
        for row in session.scalars(select(Image)):
            try:
                result = rescrub(settings.media_dir, row.path, row.thumbnail_path, settings.thumbnail_px)
            except (BadImage, OSError) as exc:
                console.print(f"post {row.post_id}: {row.path}: {exc}", markup=False, highlight=False)
                failed += 1
                continue
            if result is not None:
                row.width, row.height, row.sha256, row.phash = result.width, result.height, result.sha256, result.phash
                cleaned += 1
    out.print(f"{cleaned} image(s) cleaned of metadata, {failed} unreadable", markup=False)
    return EXIT_OK


def add_commands(sub) -> None:
    c = sub.add_parser("collect", help="collect new posts from Instagram (official Graph API by default)")
    c.add_argument("--source", choices=["hashtag", "tagged", "mentions", "all"], default="all",
                   help="mentions: stored webhook payloads and answers to public rights requests (Graph API only)")
    c.add_argument("--via", choices=VIAS, help="graph (default, SOISTS_COLLECT_SOURCE) or instaloader")
    c.add_argument("--budget", type=int, help="posts per source and run (default SOISTS_BUDGET)")
    c.set_defaults(func=cmd_collect)
    w = sub.add_parser("webhook", help="serve the Instagram webhook receiver on 127.0.0.1 (behind nginx)")
    w.add_argument("--port", type=int, default=8766)
    w.set_defaults(func=cmd_webhook)
    i = sub.add_parser("import", help="import an instaloader folder (or --manual submissions) offline")
    i.add_argument("path")
    i.add_argument("--manual", action="store_true", help="images with .json/.toml sidecars")
    i.set_defaults(func=cmd_import)
    sub.add_parser("scrub-media", help="strip EXIF/GPS and other metadata from images stored by older versions"
                   ).set_defaults(func=cmd_scrub_media)
