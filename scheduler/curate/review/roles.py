"""Who may do what on the board: the one permission table (issue 27).

Templates show a button only when its permission is in `can`; the server checks the same table
before any action runs and refuses with 403 (German page) otherwise.
"""

from __future__ import annotations

from scheduler.curate.editors import ROLES

LABELS = {"lesen": "Lesen", "redaktion": "Redaktion", "veroeffentlichen": "Veröffentlichen",
          "verwaltung": "Verwaltung"}
EXPLAIN = {
    "lesen": "sieht alles, ändert nichts",
    "redaktion": "entscheidet über Beiträge und Rechteanfragen, plant um, bearbeitet Bildtexte",
    "veroeffentlichen": "wie Redaktion, dazu „Jetzt veröffentlichen“, „Erneut versuchen“ und „Überall entfernen“",
    "verwaltung": "alles, dazu die Konten und das Protokoll",
}

# permission → what it covers
#   view      every page (board, plan, details, thumbnails, audit view)
#   decide    post decisions, rights requests, municipality
#   plan      move, pin, skip, hold, release, replan, caption
#   publish   „Jetzt veröffentlichen“, „Erneut versuchen“, „Überall entfernen“ (takedown, takedown_routes.py)
#   accounts  the admin page: add, role, password, disable, remove, second factor
PERMISSIONS: dict[str, frozenset[str]] = {
    "lesen": frozenset({"view"}),
    "redaktion": frozenset({"view", "decide", "plan"}),
    "veroeffentlichen": frozenset({"view", "decide", "plan", "publish"}),
    "verwaltung": frozenset({"view", "decide", "plan", "publish", "accounts"}),
}
assert set(PERMISSIONS) == set(ROLES) == set(LABELS)

PLAN_ACTIONS = {"move": "plan", "pin": "plan", "skip": "plan", "hold": "plan", "release": "plan",
                "replan": "plan", "caption": "plan", "publish": "publish", "retry": "publish"}
PUBLISHING = frozenset(role for role, rights in PERMISSIONS.items() if "publish" in rights)


def can(role: str) -> frozenset[str]:
    return PERMISSIONS.get(role, frozenset())


def allowed(role: str, permission: str) -> bool:
    return permission in can(role)
