"""„Kommunen-Rundmail“ on the board: the month's „So ist S in Ihrer Kommune“ mails, each rendered.

  GET /kommunen-post?monat=YYYY-MM        the municipalities with contacts: who gets which mail (or
                                          none, and why), the figures, the mail in a frame
  GET /kommunen-post/<AGS>.html?monat=…   one mail's HTML for that frame (its own narrow CSP: inline
                                          styles, images from the public site, no script, sandboxed)

Reading needs `view` (every role, also Lesen). Nothing is sent from here: the monthly job and
`python -m scheduler partner-mail` send (scheduler/partners/).
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from plugins.newsletter.selection import Month
from scheduler.curate.review.security import RequestError
from scheduler.partners.mail import MONTHLY
from scheduler.partners.run import MonthMails, prepare, previous_month, siteurl_from
from scheduler.partners.send import StoreLog, key_of

MAIL_PATH = re.compile(r"/kommunen-post/([0-9]{8})\.html")
CACHE_SECONDS = 60.0  # the page and its frames ask for the same month within a second


def partner_mail_method(path: str) -> str | None:
    return "GET" if path == "/kommunen-post" or MAIL_PATH.fullmatch(path) else None


def frame_headers(siteurl: str) -> list[tuple[str, str]]:
    """A mail is a foreign document: inline styles allowed, images only from the public site."""
    parts = urlsplit(siteurl)
    origin = f"{parts.scheme}://{parts.netloc}"
    return [("Content-Security-Policy", f"default-src 'none'; style-src 'unsafe-inline'; img-src {origin}; "
                                        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"),
            ("X-Frame-Options", "SAMEORIGIN"), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]


class PartnerMailRoutes:
    def __init__(self, app, clock=lambda: datetime.now(timezone.utc)):
        self.app, self.clock = app, clock
        self.cache: dict[str, tuple[float, MonthMails]] = {}

    def month(self, environ) -> Month:
        wanted = parse_qs(environ.get("QUERY_STRING", "")).get("monat", [""])[0][:7]
        try:
            return Month.parse(wanted) if wanted else previous_month(self.clock())
        except ValueError:
            raise RequestError(404) from None

    def prepared(self, month: Month) -> MonthMails:
        hit = self.cache.get(month.slug)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        made = prepare(self.app.sessions, month, self.clock(), siteurl_from(os.environ))
        self.cache = {month.slug: (time.monotonic(), made)}
        return made

    def handle(self, environ, start_response, path: str, browser, headers: list):
        self.app.require(browser, "view")
        month = self.month(environ)
        prepared = self.prepared(month)
        frame = MAIL_PATH.fullmatch(path)
        if frame:
            mail = prepared.mail_for(frame[1]) or self.any_mail(prepared, frame[1])
            if mail is None:
                raise RequestError(404)
            body = mail.personal("#abmelden-vorschau")[1].encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(body))), *frame_headers(siteurl_from(os.environ)),
                                      *headers])
            return [body]
        return self.app._page(start_response, "partner_mail.html", headers,
                              **self.app.admin.context(browser, "kommunen-post"), **self.page(prepared))

    @staticmethod
    def any_mail(prepared: MonthMails, ags: str):
        return next((mail for (key, _), mail in prepared.mails.items() if key == ags), None)

    def page(self, prepared: MonthMails) -> dict:
        states = StoreLog(self.app.sessions, prepared.month.slug, {}).states()
        rows = []
        for ags, figures in sorted(prepared.figures.items(), key=lambda item: item[1].municipality.name):
            people = []
            for contact, kind in prepared.plan.send:
                if contact.ags == ags:
                    state = states.get(key_of(contact))
                    people.append((contact.email, {"sent": "verschickt", "attempt": "Ausgang unklar",
                                                   "failed": "fehlgeschlagen, wird wiederholt"}.get(state, "geplant")))
            people += [(c.email, f"keine Mail: {why}") for c, why in prepared.plan.skipped if c.ags == ags]
            mail = prepared.mail_for(ags) or self.any_mail(prepared, ags)
            rows.append({"ags": ags, "f": figures, "mail": mail, "people": people,
                         "kind": "Monatsmail" if mail.kind == MONTHLY else "kurze Nachricht (höchstens einmal im Quartal)",
                         "goes_out": prepared.mail_for(ags) is not None})
        month = prepared.month
        before = Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)
        return {"month": month, "rows": rows, "before": before, "after": month.next(),
                "latest": previous_month(self.clock())}
