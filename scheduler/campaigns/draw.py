"""The Gewinnspiel draw as pure functions: eligibility, entry list, commit-reveal ranking, checks.

Why commit-reveal: the seed is drawn when the contest opens and only its SHA-256 is
published; the entry list is frozen and hashed at the deadline; only then is the seed
revealed. Nobody (not even the editors) can pick a seed that favours a known entry list,
and anyone can recompute the ranking from the published data (tools/verify_draw.py).

Why pseudonyms: a public body should not publish every participant's account name. Each line
carries HMAC-SHA-256(seed, "konto:" + handle) (first 16 hex digits) instead of the handle. The
seed is fixed before anyone enters and secret until the draw, so the list says nothing about
who took part until then; afterwards each participant can find their own line (the verifier
takes the handle), and the ranking is recomputed from the lines exactly as before.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timezone


class DrawError(ValueError):
    """A step that would make the draw unverifiable (wrong seed, wrong order of steps)."""


@dataclass(frozen=True)
class Candidate:
    """A collected post that may be an entry."""

    post_id: int
    handle: str
    at: datetime  # aware; when the photo was posted
    hashtags: tuple[str, ...] = ()
    municipality_ags: str | None = None


@dataclass(frozen=True)
class Rules:
    start: datetime
    deadline: datetime
    hashtags: frozenset[str]  # lower case, without "#"; a post needs at least one
    region: frozenset[str]  # AGS of the 179 municipalities
    entries_per_account: int = 1
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rejected:
    candidate: Candidate
    reason: str  # German: editors read it on the board and in the audit trail


@dataclass(frozen=True)
class DrawResult:
    ranking: list[tuple[str, str]]  # (score hex, line), best first
    winners: list[str]
    reserves: list[str]


@dataclass
class Eligibility:
    entries: list[Candidate] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


PSEUDONYM_HEX = 16  # 64 bits: a collision among a contest's entries is practically impossible


def handle_key(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def pseudonym(seed: bytes, handle: str) -> str:
    """What the published list shows instead of the account; "konto:" keeps it apart from the scores."""
    return hmac.new(seed, f"konto:{handle_key(handle)}".encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def entry_line(candidate: Candidate, seed: bytes) -> str:
    """One entry as published: post id, pseudonym of the account, time (ISO, UTC), single spaces."""
    return f"{candidate.post_id} {pseudonym(seed, candidate.handle)} {iso_utc(candidate.at)}"


def own_lines(published: dict, handle: str) -> list[str]:
    """A participant's own entries in the published list (only possible once the seed is revealed)."""
    mark = pseudonym(bytes.fromhex(published["seed"]), handle)
    return [line for line in published.get("entries") or [] if line.split(" ")[1] == mark]


def rejection(candidate: Candidate, rules: Rules) -> str | None:
    """Why a single candidate cannot enter, or None (the per-account limit is checked later)."""
    tags = {t.lstrip("#").lower() for t in candidate.hashtags}
    if candidate.at < rules.start:
        return "vor Beginn des Gewinnspiels gepostet"
    if candidate.at > rules.deadline:
        return "nach Einsendeschluss gepostet"
    if not tags & rules.hashtags:
        return "ohne Hashtag des Gewinnspiels"
    if not handle_key(candidate.handle):  # the Graph hashtag search names no account: nobody to tell or to count
        return "Konto unbekannt (Hashtag-Suche der Instagram-API) – nur mit bekanntem Konto teilnahmeberechtigt"
    if handle_key(candidate.handle) in rules.excluded:
        return "Konto von der Teilnahme ausgeschlossen"
    if candidate.municipality_ags not in rules.region:
        return "kein Ort in der Region Stuttgart"
    return None


def eligibility(candidates: list[Candidate], rules: Rules) -> Eligibility:
    """Entries and rejected candidates with their reasons; earliest posts count first."""
    result = Eligibility()
    per_account: dict[str, int] = {}
    for candidate in sorted(candidates, key=lambda c: (c.at, c.post_id)):
        reason = rejection(candidate, rules)
        handle = handle_key(candidate.handle)
        if reason is None and per_account.get(handle, 0) >= rules.entries_per_account:
            reason = f"mehr als {rules.entries_per_account} Teilnahme(n) pro Konto"
        if reason:
            result.rejected.append(Rejected(candidate, reason))
            continue
        per_account[handle] = per_account.get(handle, 0) + 1
        result.entries.append(candidate)
    return result


def entry_lines(entries: list[Candidate], seed: bytes) -> list[str]:
    return sorted(entry_line(c, seed) for c in entries)


def entries_text(lines: list[str]) -> str:
    """The exact bytes whose SHA-256 is published: sorted lines, each ending in a newline."""
    return "".join(f"{line}\n" for line in sorted(lines))


def entries_hash(lines: list[str]) -> str:
    return hashlib.sha256(entries_text(lines).encode("utf-8")).hexdigest()


def seed_hash(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def score(seed: bytes, line: str) -> str:
    return hmac.new(seed, line.encode("utf-8"), hashlib.sha256).hexdigest()


def rank(seed: bytes, lines: list[str]) -> list[tuple[str, str]]:
    """Lowest HMAC first; ties (practically impossible) broken by the line itself."""
    return sorted((score(seed, line), line) for line in lines)


def run_draw(seed: bytes, published_seed_hash: str, lines: list[str], winners: int, reserves: int) -> DrawResult:
    """Rank the frozen entries; a seed that is not the committed one is refused."""
    if not hmac.compare_digest(seed_hash(seed), published_seed_hash):
        raise DrawError("Der Seed passt nicht zum veröffentlichten SHA-256 – Ziehung verweigert.")
    ranking = rank(seed, lines)
    ordered = [line for _, line in ranking]
    return DrawResult(ranking, ordered[:winners], ordered[winners:winners + reserves])


def verify(published: dict) -> list[str]:
    """Problems found when recomputing the draw from the published data alone (empty: it checks out)."""
    problems = []
    seed = bytes.fromhex(published.get("seed") or "")
    if seed_hash(seed) != published.get("seed_sha256"):
        problems.append("seed does not match seed_sha256")
    lines = published.get("entries") or []
    if entries_hash(lines) != published.get("entries_sha256"):
        problems.append("entries do not match entries_sha256")
    ordered = [line for _, line in rank(seed, lines)]
    count, reserves = int(published.get("winners_count", 0)), int(published.get("reserves_count", 0))
    if ordered[:count] != published.get("winners"):
        problems.append("winners differ from the recomputed ranking")
    if ordered[count:count + reserves] != published.get("reserves"):
        problems.append("reserves differ from the recomputed ranking")
    return problems
