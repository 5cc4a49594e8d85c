"""The plan view's requests ("Redaktionsplan"): pages under /plan and one POST for every plan action.

Same protections as the rest of the board (app.py checked Host, path and sign-in before this
runs): the CSRF token of the browser session on every POST, strict form reading, and each
action carries the plan revision and the post(s) its page showed in the slot(s) — the
operations refuse it when the plan moved on. The operations themselves are
scheduler.plan.operations, the same functions the CLI calls.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Callable
from urllib.parse import parse_qs, urlencode

from scheduler.curate.review import audit_view, params, plan_detail, roles
from scheduler.curate.review import plan_present as say
from scheduler.curate.review.plan_view import MAX_WEEKS, PlanView, berlin_midnight, window
from scheduler.curate.review.security import VERSION, RequestError, read_form, same_token
from scheduler.curate.workflow import CurationError
from scheduler.plan import operations
from scheduler.plan.enqueue import PlanningConfig

FEATURE_PATH = re.compile(r"/plan/features/([a-z0-9][a-z0-9-]{0,79})")
POST_PATH = re.compile(r"/plan/posts/([1-9][0-9]{0,8})")
ACTIONS = ("move", "pin", "skip", "hold", "release", "replan", "publish", "caption", "retry")
CAPTION_FORM_BYTES = 64_000  # 2,200 characters of emoji, percent-encoded, fit
CAPTION_FIELD_CHARS = 4_000


def plan_method(path: str) -> str | None:
    if path == "/plan" or FEATURE_PATH.fullmatch(path) or POST_PATH.fullmatch(path):
        return "GET"
    return "POST" if path == "/plan/actions" else None


class PlanRoutes:
    def __init__(self, app, publisher_factory: Callable | None = None):
        self.app = app
        self.publisher_factory = publisher_factory or self._publisher_from_env
        self.config_factory: Callable[[], PlanningConfig] = lambda: PlanningConfig.from_env(app.settings.media_dir)
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # tests and the demo freeze it

    @staticmethod
    def _publisher_from_env():
        from scheduler.publish.publisher import Publisher

        return Publisher.from_env()

    def publisher(self):
        """The publisher, or a German refusal when publishing is not set up (no site URL, no token)."""
        from scheduler.publish.graph_errors import GraphError

        try:
            return self.publisher_factory()
        except GraphError as missing:
            raise CurationError(f"Veröffentlichen ist auf diesem Rechner nicht eingerichtet: {missing}") from None

    def planner(self) -> operations.Planner:
        return operations.Planner(self.app.registry, self.config_factory(), self.clock())

    # -- requests -------------------------------------------------------------------------
    def handle(self, environ, start_response, path: str, browser, user: str, headers: list):
        if path == "/plan/actions":
            return self._post(environ, start_response, browser, user, headers)
        flash = self.app.flashes.pop(browser.id, None)
        found = FEATURE_PATH.fullmatch(path) or POST_PATH.fullmatch(path)
        if found:
            body = self.render_detail(path, found.group(1), browser.csrf, flash, user, browser.role)
            if body is None:
                return self.app._error(start_response, 404, headers)
            return self.app._respond(start_response, "200 OK", body.encode(), "text/html; charset=utf-8", headers)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        first = lambda name: query.get(name, [""])[0]  # noqa: E731
        weeks = params.optional_integer(first("weeks"), 1, MAX_WEEKS, 4, "weeks")
        start = params.optional_day(first("from"), "from")
        body = self.render_plan(params.choice(first("view"), say.VIEWS, "week"), start, weeks, browser.csrf, flash,
                                user, browser.role)
        return self.app._respond(start_response, "200 OK", body.encode(), "text/html; charset=utf-8", headers)

    def _post(self, environ, start_response, browser, user: str, headers: list):
        form = read_form(environ, CAPTION_FORM_BYTES, CAPTION_FIELD_CHARS)
        if not same_token(form.get("csrf", ""), browser.csrf):
            raise RequestError(403, "csrf")
        self.app.require(browser, roles.PLAN_ACTIONS.get(form.get("action", ""), "plan"))
        self.app.flash(browser, self.act(form, user))
        back = form.get("back", "")
        location = back if re.fullmatch(r"/plan(/[a-z0-9/-]*)?(\?[a-z0-9=&-]*)?(#[a-z0-9-]*)?", back or "-") else "/plan"
        return self.app._redirect(start_response, location, headers)

    def act(self, form: dict[str, str], user: str) -> tuple[str, str]:
        """One plan action → ("ok"|"error", German message)."""
        name = form.get("action", "")
        if name not in ACTIONS:
            return "error", "Unbekannte Aktion."
        revision = form.get("revision", "")
        if name not in ("caption", "retry") and not VERSION.fullmatch(revision):
            return "error", operations.STALE
        self.read_fields(name, form)  # a 400 for unreadable fields, before anything else
        planner = self.planner()
        try:
            with self.app.sessions() as session:
                message = self._run(session, planner, name, form, user, int(revision or 0))
        except CurationError as refused:
            return "error", str(refused)
        if name in ("skip", "replan"):  # slot actions without a post: the audit view shows them as board events
            with self.app.sessions.begin() as session:
                audit_view.note(session, user, f"plan_{name}", "", message)
        return "ok", message

    @staticmethod
    def read_fields(name: str, form: dict[str, str]) -> dict:
        """The action's fields, parsed (params.py): anything unreadable is a 400 before any operation runs."""
        fields: dict = {"slot": params.optional_instant(form.get("slot", ""), "slot")}
        if name == "move":
            fields["target"] = params.instant(form.get("target", ""), "target")
        if name in ("pin", "caption"):
            fields["post"] = params.record_id(form.get("post", ""), "post")
        if name == "caption":
            fields["version"] = params.integer(form.get("version", ""), 0, 999_999_999, "version")
        if name == "retry":
            fields["attempts"] = params.optional_integer(form.get("attempts", ""), 0, 999_999, -1, "attempts")
        if name in ("skip", "replan", "publish", "pin") and fields["slot"] is None:
            raise RequestError(400, f"{name}: no slot")
        return fields

    def _run(self, session, planner, name: str, form: dict[str, str], user: str, revision: int) -> str:
        parsed = self.read_fields(name, form)
        slot = parsed["slot"]
        expected = form.get("expected", "")
        if name == "move":
            return operations.move(session, planner, slot, parsed["target"], user, revision,
                                   (expected, form.get("expected_target", "")))
        if name == "pin":
            return operations.pin(session, planner, str(parsed["post"]), slot, user, "", revision)
        if name == "skip":
            return operations.skip(session, planner, slot, user, form.get("note", "").strip(), revision, expected)
        if name == "hold":
            if not expected:
                raise CurationError("Auf diesem Sendeplatz ist kein Beitrag, der zurückgehalten werden könnte.")
            return operations.hold(session, planner, expected, user, form.get("note", "").strip(), revision)
        if name == "release":
            return operations.remove(session, planner, "hold", user, post_ref=expected, expected_revision=revision)
        if name == "replan":
            return operations.replan_from(session, planner, slot, user, revision)
        if name == "publish":
            return operations.publish_now(session, planner, slot, user, self.publisher(), revision, expected)
        if name == "caption":
            return operations.edit_caption(session, parsed["post"], form.get("text", ""), user, parsed["version"])
        return operations.retry(session, form.get("key", ""), user, planner.now, self.publisher(),
                                form.get("expected_status", ""), parsed["attempts"])

    # -- pages ----------------------------------------------------------------------------
    def render_plan(self, view: str, start: date | None, weeks: int, token: str, flash=None, user: str = "",
                    role: str = "verwaltung") -> str:
        planner = self.planner()
        win = window(view if view in say.VIEWS else "week", start, planner.now.astimezone(say.BERLIN).date(), weeks)
        with self.app.sessions() as session:
            plan = PlanView(session, planner, self.app.registry)
            result = operations.snapshot(session, planner, berlin_midnight(win.end))
            context = plan.page(win, result)
            context["coverage"] = plan_detail.coverage_strip(session, self.app.registry, result,
                                                             planner.config.content_dir, planner.now)
            context["past"] = plan_detail.past_weeks(session, plan, planner.now, planner.config.content_dir)
        back = "/plan?" + urlencode({"view": win.view, "from": win.start.isoformat()}
                                    | ({"weeks": win.weeks} if win.view == "week" and win.weeks != 4 else {}))
        title = (say.month_title(win.start) if win.view == "month"
                 else f"{say.plural(win.weeks, 'Woche', 'Wochen')} ab {say.german_date(win.start)}")
        return self.app.env.get_template("plan.html").render(
            **context, token=token, flash=flash, editor=user or self.app.auth.single_user, views=say.VIEWS,
            weekdays=say.WEEKDAY_HEADERS, view=win.view, back=back, title=title,
            can_sign_out=self.app.auth.mode == "accounts", can=roles.can(role), role_label=roles.LABELS.get(role, ""),
            previous=win.previous.isoformat(), next=win.next.isoformat(), weeks=win.weeks)

    def render_detail(self, path: str, ref: str, token: str, flash=None, user: str = "",
                      role: str = "verwaltung") -> str | None:
        planner = self.planner()
        with self.app.sessions() as session:
            plan = PlanView(session, planner, self.app.registry)
            detail = (plan_detail.feature_detail(session, plan, ref) if path.startswith("/plan/features/")
                      else plan_detail.post_detail(session, plan, int(ref)))
            revision = operations.revision(session)
        if detail is None:
            return None
        return self.app.env.get_template("plan_item.html").render(
            item=detail, token=token, flash=flash, editor=user or self.app.auth.single_user, back=path, revision=revision,
            can_sign_out=self.app.auth.mode == "accounts", can=roles.can(role), role_label=roles.LABELS.get(role, ""))
