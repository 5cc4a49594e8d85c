"""Place aliases editors taught the detector: `aliases` lists, `aliases add`, `aliases remove`."""

from __future__ import annotations

from plugins.region.registry import UnknownMunicipality, load_registry
from scheduler.cli.common import editor, out, print_lines, sessions
from scheduler.curate import aliases
from scheduler.curate.workflow import CurationError
from scheduler.exitcodes import EXIT_OK


def _municipality(registry, ref: str):
    try:
        return registry.get(ref)
    except UnknownMunicipality:
        found = registry.lookup_name(ref)
        if len(found) == 1:
            return found[0]
        raise


def _name(registry, ags: str) -> str:
    return registry.by_ags[ags].name if ags in registry.by_ags else "?"


def cmd_aliases(args, settings) -> int:
    registry = load_registry()
    if args.action == "list":
        with sessions(settings)() as session:
            rows = aliases.list_aliases(session)
            # plain lines, not a table: phrases are long and a narrow terminal must not cut them
            print_lines(f"{row.text!r} [{row.phrase}] → {_name(registry, row.ags)} ({row.ags}); {row.editor or '?'}, "
                        f"{row.created_utc:%Y-%m-%d %H:%M} UTC" + (f", from {row.post_uid}" if row.post_uid else "")
                        for row in rows)
            out.print(f"{len(rows)} alias(es)")
        return EXIT_OK
    if not args.phrase:
        raise CurationError(f"aliases {args.action} needs a PHRASE")
    if args.action == "add":
        if not args.municipality:
            raise CurationError("aliases add needs PHRASE and a MUNICIPALITY (slug, AGS or unambiguous name)")
        municipality = _municipality(registry, args.municipality)
        with sessions(settings).begin() as session:
            try:
                added = aliases.add_alias(session, args.phrase, municipality, editor(args, settings))
            except ValueError as exc:
                raise CurationError(str(exc)) from None
        out.print(f"{args.phrase!r} → {municipality.name} ({municipality.ags})" + ("" if added else " (already known)"))
        return EXIT_OK
    ags = _municipality(registry, args.municipality).ags if args.municipality else None
    with sessions(settings).begin() as session:
        removed = aliases.remove_alias(session, args.phrase, ags)
    if not removed:
        raise CurationError(f"no alias {args.phrase!r}" + (f" for {ags}" if ags else ""))
    out.print(f"removed {removed} alias(es) {args.phrase!r}")
    return EXIT_OK


def add_commands(sub) -> None:
    a = sub.add_parser("aliases", help="place aliases editors taught the detector: list, add, remove")
    a.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
    a.add_argument("phrase", nargs="?", help="the place phrase as a post writes it")
    a.add_argument("municipality", nargs="?", help="add: slug, AGS or name; remove: only this municipality")
    a.add_argument("--editor")
    a.set_defaults(func=cmd_aliases)
