"""Takedown commands: `takedown ID` (everywhere, crash-safe, rerun to continue) and
`takedown-confirm ID` (an editor deleted a platform copy by hand)."""

from __future__ import annotations

import os
from pathlib import Path

from scheduler.cli.common import console, out, sessions
from scheduler.config import PROJECT_ROOT
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE


def site_paths(settings, env=None):
    """Where the site keeps the post: the same environment variables the build and tasks read."""
    from scheduler.publish.takedown import SitePaths

    env = os.environ if env is None else env
    image_cache = env.get("SOISTS_IMAGE_CACHE_DIR")
    deploy_target = env.get("SOISTS_DEPLOY_TARGET", "")  # a local folder; "user@host:/path/" is rsync's
    return SitePaths(
        content_dir=Path(env.get("SOISTS_CONTENT_DIR", PROJECT_ROOT / "content")),
        media_dir=settings.media_dir,
        output_dir=Path(env.get("SOISTS_OUTPUT", PROJECT_ROOT / "output")),
        image_cache_dir=Path(image_cache) if image_cache else None,
        build_cache_dir=PROJECT_ROOT / env.get("SOISTS_BUILD_CACHE_DIR", ".cache/builds"),
        deploy_target=Path(deploy_target) if deploy_target and ":" not in deploy_target else None)


def graph_client():
    from scheduler.publish.graph_api import GraphClient, GraphConfig

    return GraphClient(GraphConfig.from_env())


def run_takedown(settings, post_id: str, editor: str, reason: str) -> int:
    """The whole takedown; prints each step. Exit 0 when nothing is left to do by the program."""
    from plugins.community.takedown import PostNotFound, find_post_file
    from scheduler.publish.takedown import Takedown, known_post

    paths = site_paths(settings)
    with sessions(settings)() as session:
        try:
            find_post_file(post_id, paths.content_dir)
        except PostNotFound:
            if not known_post(session, post_id):
                console.print(f"[red]takedown: no community post, queued feature or takedown {post_id!r}")
                return EXIT_USAGE
        record = Takedown(paths, graph_client).run(session, post_id, editor, reason)
        for step in record.steps:
            detail = (step.data or {}).get("todo_de") or step.error or (step.data or {}).get("result", "")
            out.print(f"  {step.step:<10} {step.state:<9} {detail}", markup=False)
        failed = [s.step for s in record.steps if s.state == "failed"]
    if failed:
        console.print(f"[red]takedown {post_id}: not finished ({', '.join(failed)}); run the command again")
        return EXIT_FAILURE
    out.print(f"takedown {post_id}: {record.status}", markup=False)
    return EXIT_OK


def cmd_takedown(args, settings) -> int:
    return run_takedown(settings, args.post_id, args.editor or settings.editor, args.reason)


def cmd_takedown_confirm(args, settings) -> int:
    from scheduler.publish.takedown import confirm_manual

    with sessions(settings)() as session:
        try:
            closed = confirm_manual(session, args.post_id, args.editor or settings.editor)
        except KeyError:
            console.print(f"[red]no takedown for {args.post_id}")
            return EXIT_USAGE
    out.print(f"{args.post_id}: confirmed {', '.join(closed) or 'nothing (no manual step open)'}", markup=False)
    return EXIT_OK


def add_commands(sub) -> None:
    t = sub.add_parser("takedown", help="remove a community post everywhere (store, site, caches, Facebook, Instagram)")
    t.add_argument("post_id", help="community post id, e.g. 2026-11-23-plochingen")
    t.add_argument("--reason", default="Einwilligung widerrufen", help="recorded in the audit line")
    t.add_argument("--editor", default="", help="recorded in the audit line (default: $USER)")
    t.set_defaults(func=cmd_takedown)
    c = sub.add_parser("takedown-confirm", help="confirm that a platform copy was deleted by hand")
    c.add_argument("post_id")
    c.add_argument("--editor", default="")
    c.set_defaults(func=cmd_takedown_confirm)
