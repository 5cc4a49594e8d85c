"""„Überall entfernen“: `/entfernen/<key>` — the confirmation page, then the takedown's progress.

GET without a takedown: what will be removed where, and the form with the reason (publish
permission only). GET with one: each step done / running / waiting for an editor, with the
to-do texts the CLI prints. POST (CSRF token of the browser session, publish permission):
`action=start` records and starts it (takedown_runner.py; a second start changes nothing),
`resume` continues a stopped one, `confirm` is `takedown-confirm` (copies deleted by hand).
"""

from __future__ import annotations

import os
import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scheduler.curate.review import plan_present as say
from scheduler.curate.review import roles
from scheduler.curate.review.security import read_form, same_token
from scheduler.curate.review.takedown_runner import TakedownRunner, deploy_state
from scheduler.publish.state import FeaturePublication
from scheduler.publish.takedown_purge import TAKEN_DOWN
from scheduler.publish.takedown_state import TAKEDOWN_STEPS, TakedownRecord
from scheduler.store.models import Post

TAKEDOWN_PATH = re.compile(r"/entfernen/([a-z0-9][a-z0-9-]{0,79})")
REASONS = {"widerruf": "Widerruf der Einwilligung", "rechte": "Rechte unklar", "sonstiges": "Sonstiges"}
STEP_LABELS = {
    "plan": "Redaktionsplan: geplante Veröffentlichung absagen, Beitrag zurückziehen",
    "store": "Datenbank und Fotodateien: Foto, Vorschaubild und alle Einträge zum Beitrag löschen",
    "files": "Website: Seite auf der Fotowand, Foto, verkleinerte Fassungen und Zwischenspeicher löschen",
    "facebook": "Facebook: Beitrag löschen",
    "instagram": "Instagram: Beitrag löschen",
    "mastodon": "Mastodon: Beitrag mit Foto löschen",
}
STATE_LABELS = {"done": "erledigt", "confirmed": "von Hand gelöscht (bestätigt)", "manual": "Redaktion muss handeln",
                "failed": "fehlgeschlagen – wird beim Fortsetzen erneut versucht", "": "steht noch aus"}
CLI_CONFIRM = re.compile(r"danach bestätigen: python -m scheduler takedown-confirm \S+")
BOARD_CONFIRM = "danach unten „Von Hand gelöscht – bestätigen“ wählen."
CHANNEL_KEYS = {"instagram": ("media_id",), "facebook": ("post_id", "photo_id"), "mastodon": ("status_id",)}


def takedown_method(path: str) -> str | None:
    return "GET, POST" if TAKEDOWN_PATH.fullmatch(path) else None


def board_todo(text: str) -> str:
    """The CLI's to-do with the board's button in place of the `takedown-confirm` command."""
    return CLI_CONFIRM.sub(BOARD_CONFIRM, text)


def published_on(feature: FeaturePublication) -> dict[str, bool]:
    """Where the feature has a copy that the takedown will delete (the same ids the takedown reads)."""
    data = {s.step: (s.data or {}) for s in feature.steps}
    found = {channel: any(data.get(channel, {}).get(k) for k in keys) for channel, keys in CHANNEL_KEYS.items()}
    return found | {"website": any(s.step == "website" and s.state == "done" for s in feature.steps)}


class TakedownRoutes:
    def __init__(self, app):
        self.app = app
        self.runner = TakedownRunner(app.sessions, self._takedown_from_env, self._deploy_from_env())

    def _takedown_from_env(self):
        from scheduler.cli.takedown import graph_client, site_paths
        from scheduler.publish.takedown import Takedown

        return Takedown(site_paths(self.app.settings), graph_client)

    @staticmethod
    def _deploy_from_env():
        """The publisher's deploy (`invoke publish`: build the site, upload it) where publishing is set up
        (SOISTS_SITE_URL, as for „Jetzt veröffentlichen“); elsewhere (the demo) nothing is uploaded."""
        from scheduler.publish.publisher import run_invoke_publish

        return run_invoke_publish if os.environ.get("SOISTS_SITE_URL", "").startswith(("https://", "http://")) else None

    # -- requests -------------------------------------------------------------------------
    def handle(self, environ, start_response, path: str, browser, headers: list):
        key = TAKEDOWN_PATH.fullmatch(path).group(1)
        if environ.get("REQUEST_METHOD") == "POST":
            return self._post(environ, start_response, key, browser, headers)
        flash = self.app.flashes.pop(browser.id, None)
        with self.app.sessions() as session:
            record = session.scalar(select(TakedownRecord).where(TakedownRecord.post_id == key)
                                    .options(selectinload(TakedownRecord.steps)))
            if record is not None:
                context = self.progress(session, record)
            else:
                feature = self._feature(session, key)
                if feature is None:
                    return self.app._error(start_response, 404, headers)
                self.app.require(browser, "publish")  # the confirmation form is for publishing roles only
                context = self.confirmation(session, feature)
        return self._page(start_response, browser, headers, "200 OK", context, flash=flash)

    def _post(self, environ, start_response, key: str, browser, headers: list):
        form = read_form(environ)
        if not same_token(form.get("csrf", ""), browser.csrf):
            return self.app._error(start_response, 403, headers)
        self.app.require(browser, "publish")
        action, user = form.get("action", ""), browser.user
        if action == "start":
            with self.app.sessions() as session:
                started = session.scalar(select(TakedownRecord.id).where(TakedownRecord.post_id == key)) is not None
                feature = None if started else self._feature(session, key)
                context = None if feature is None else self.confirmation(session, feature)
            if context is None and not started:
                return self.app._error(start_response, 404, headers)
            reason, problem = self.reason(form)
            if context is not None and problem:  # the form again, with what is missing
                context |= {"problem": problem, "chosen": form.get("reason", ""), "note": form.get("note", "")[:500]}
                return self._page(start_response, browser, headers, "400 Bad Request", context)
            if started or not self.runner.request(key, user, reason):
                self.app.flash(browser, ("error", "Die Entfernung wurde schon angestoßen; hier steht ihr Stand."))
            else:
                self.app.flash(browser, ("ok", "Die Entfernung läuft. Diese Seite zeigt jeden Schritt."))
        elif action == "resume":
            resumed = self.runner.resume(key, user)
            self.app.flash(browser, ("ok", "Die Entfernung wird fortgesetzt.") if resumed
                           else ("error", "Es gibt nichts fortzusetzen: die Entfernung läuft oder ist abgeschlossen."))
        elif action == "confirm":
            try:
                closed = self.runner.confirm(key, user)
            except KeyError:
                return self.app._error(start_response, 404, headers)
            self.app.flash(browser, ("ok", "Bestätigt: von Hand gelöscht auf " + " und ".join(c.capitalize() for c in closed) + ".") if closed
                           else ("error", "Es wartet kein Schritt auf eine Bestätigung."))
        else:
            return self.app._error(start_response, 400, headers)
        return self.app._redirect(start_response, f"/entfernen/{key}", headers)

    @staticmethod
    def reason(form: dict[str, str]) -> tuple[str, str]:
        """The reason as recorded ("Widerruf der Einwilligung: …"), or a German problem."""
        choice, note = form.get("reason", ""), " ".join(form.get("note", "").split())[:500]
        if choice not in REASONS:
            return "", "Bitte einen Grund auswählen."
        if choice == "sonstiges" and not note:
            return "", "Bei „Sonstiges“ bitte kurz beschreiben, warum der Beitrag entfernt wird."
        return (f"{REASONS[choice]}: {note}" if note else REASONS[choice]), ""

    # -- pages ----------------------------------------------------------------------------
    @staticmethod
    def _feature(session, key: str) -> FeaturePublication | None:
        return session.scalar(select(FeaturePublication).where(
            FeaturePublication.key == key, FeaturePublication.status != TAKEN_DOWN)
            .options(selectinload(FeaturePublication.steps)))

    def confirmation(self, session, feature: FeaturePublication) -> dict:
        where = published_on(feature)
        place = self.app._name(feature.ags) or "Kommune unbekannt"
        post = session.scalar(select(Post).where(Post.uid == feature.post_uid))
        return {"mode": "confirm", "key": feature.key, "title": f"{place}, {say.when(feature.slot_utc)}",
                "place": place, "photo": {"id": post.id, "author": post.author} if post and post.image else None,
                "published": feature.status == "done", "where": where, "reasons": REASONS,
                "problem": "", "chosen": "", "note": ""}

    def progress(self, session, record: TakedownRecord) -> dict:
        running = self.runner.running(record.post_id)
        recorded = {s.step: s for s in record.steps}
        rows = []
        for name in TAKEDOWN_STEPS:
            step = recorded.get(name)
            state = step.state if step else ""
            data = (step.data or {}) if step else {}
            label = STATE_LABELS.get(state, "")
            if state == "started":
                label = "läuft …" if running else "unterbrochen – bitte fortsetzen"
            rows.append({"name": name, "label": STEP_LABELS[name], "state": state or "open", "state_label": label,
                         "at": say.when(step.finished_utc or step.started_utc) if step and (
                             step.finished_utc or step.started_utc) else "",
                         "result": data.get("result", "") if state == "done" else "",
                         "todo": board_todo(data.get("todo_de", "")) if state == "manual" else "",
                         "error": (step.error or "") if state == "failed" else ""})
        deployed, deployed_at = deploy_state(session, record.post_id)
        unfinished = any(r["state"] in ("open", "started", "failed") for r in rows)
        feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == record.post_id))
        place = (self.app._name(feature.ags) if feature else None) or record.post_id
        title = f"Entfernung: {place}, {say.when(feature.slot_utc)}" if feature else f"Entfernung: {place}"
        return {"mode": "progress", "key": record.post_id, "title": title,
                "steps": rows, "running": running, "done": record.status == "done",
                "can_resume": record.status == "open" and not running and unfinished,
                "can_confirm": any(r["state"] == "manual" for r in rows),
                "requested_by": record.editor, "reason": record.reason, "requested": say.when(record.requested_utc),
                "finished": say.when(record.finished_utc) if record.finished_utc else "",
                "deploy": deployed, "deployed_at": say.when(deployed_at) if deployed_at else "",
                "deploy_configured": self.runner.deploy is not None}

    def _page(self, start_response, browser, headers, status: str, context: dict, flash=None):
        body = self.app.env.get_template("takedown.html").render(
            **context, token=browser.csrf, flash=flash, editor=browser.user,
            can_sign_out=self.app.auth.mode == "accounts", can=roles.can(browser.role),
            role_label=roles.LABELS.get(browser.role, ""), current="plan")
        return self.app._respond(start_response, status, body.encode(), "text/html; charset=utf-8", headers)
