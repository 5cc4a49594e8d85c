"""Unsubscribing a contact from the monthly mail: signed links and the opt-outs in the store.

The contacts file is in Git, so a click on „Keine Mails mehr“ is recorded in `partner_opt_outs`
(state.py); the file's `opt_out` column and this table both stop the mail. The link is the
newsletter's signed token (newsletter/tokens.py) for the purpose "kommune-abmelden" over
"<AGS>:<address>"; it never expires. GET shows one button (a link scanner changes nothing), POST
(the button, or a mail program's RFC 8058 one-click) records the opt-out.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.newsletter.tokens import TokenError, make_token, read_token

from .state import PartnerOptOut

PURPOSE = "kommune-abmelden"
PATH = "kommunen-post/abmelden"


def subject_of(ags: str, email: str) -> str:
    return f"{ags}:{email.lower()}"


def unsubscribe_url(siteurl: str, secret: bytes, ags: str, email: str, now: datetime) -> str:
    token = make_token(secret, PURPOSE, subject_of(ags, email), now)
    return f"{siteurl.rstrip('/')}/{PATH}?t={quote(token, safe='.')}"


def opted_out(session: Session) -> set[tuple[str, str]]:
    """(AGS, address) of every contact who unsubscribed through a mail."""
    return {(row.ags, row.email) for row in session.scalars(select(PartnerOptOut))}


def record_opt_out(session: Session, ags: str, email: str, now: datetime) -> bool:
    """True when newly recorded; a second click changes nothing."""
    email = email.lower()
    if session.scalar(select(PartnerOptOut).where(PartnerOptOut.ags == ags, PartnerOptOut.email == email)):
        return False
    session.add(PartnerOptOut(ags=ags, email=email, opted_out_utc=now))
    return True


ASK = ("Keine Mails mehr von So ist S?",
       "Mit einem Klick bekommt diese Adresse „So ist S in Ihrer Kommune“ nicht mehr.")
DONE = ("Sie sind abgemeldet", "Diese Adresse bekommt „So ist S in Ihrer Kommune“ nicht mehr. "
        "Möchten Sie die Mail wieder bekommen? Antworten Sie einfach auf eine frühere Mail.")
BAD = ("Dieser Abmeldelink gilt nicht", "Der Link ist unvollständig. Nehmen Sie den Link aus der letzten Mail, "
       "oder antworten Sie auf die Mail, dann tragen wir Sie aus.")


def handle(sessions: sessionmaker[Session], secret: bytes, method: str, token: str,
           now: datetime) -> tuple[int, str, str, str | None]:
    """(status, title, text, token for the button or None) for a request to /kommunen-post/abmelden
    (the token from the POSTed form or, for a mail program's one-click POST, from the URL).
    The caller renders the page (the newsletter's sign-up server does, with its layout)."""
    try:
        subject, _ = read_token(secret, token, PURPOSE, now)
        ags, _, email = subject.partition(":")
    except TokenError:
        return 400, *BAD, None
    if method != "POST":
        return 200, *ASK, token
    with sessions.begin() as session:
        record_opt_out(session, ags, email, now)
    return 200, *DONE, None
