"""Is a credential still good? Revocation and suspension from its issuer's status lists, and
expiry from its own dates: one implementation for the wallet and the verifier.

Each ``StatusList2021Entry`` (or ``BitstringStatusListEntry``) in ``credentialStatus``, plus
our ``suspensionStatus`` extension member, names a list credential. It is fetched through
the given client only (the runtime's guarded client, so that private addresses are refused
in production), its proof verified (``ldp_vc``), its own validity window checked, and its
issuer must be the credential's issuer; then the bit is read. A list that cannot be
fetched, verified, trusted or read, or that has expired, makes the status "unknown" with
the reason in words, never "valid" (interop note 8).

Caching (BSL §6, security checklist F): lists are public documents, so one cache serves
every learner of a wallet or every request of a verifier, which also keeps down what an
issuer learns from fetches. A list is kept for as long as the issuer's HTTP headers say
(``Cache-Control: max-age``, ``Expires``; ``no-store``/``no-cache`` mean "do not keep"),
the default TTL when they say nothing, never past the list's own ``validUntil`` /
``expirationDate`` or BSL ``ttl``, and never longer than the maximum staleness the
operator allows. Failures are not cached: the next check tries again.

Single flight: the checks that need the same list while it is being fetched wait for that
one fetch and share its result (or its failure), so many people asking at the same moment
cost the issuer one fetch, and the issuer cannot count them. A checker made with
``fresh=True`` (a person who asked "check now") never takes a list from the cache: it fetches
anew, or joins the fetch of that list already under way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared.credentials.formats.base import SignedDocument
from shared.credentials.formats.ldp_vc import LdpVc
from shared.credentials.formats.validity import Clock, parse_date, parse_numeric_date, utc_now
from shared.credentials.formats.vcdm import issuer_id
from shared.credentials.status_list import (
    BSL_ENTRY_TYPE,
    ENTRY_TYPE,
    EntryStatus,
    StatusPurpose,
    read_entry_status,
)
from shared.crypto.jose import unverified_claims
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError, InvalidInput
from shared.http import fetch_json_with_headers

log = logging.getLogger(__name__)

LIST_MEDIA_TYPES = "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8"
REVOCATION = StatusPurpose.REVOCATION.value
SUSPENSION = StatusPurpose.SUSPENSION.value
PURPOSES = (REVOCATION, SUSPENSION)
DEFAULT_TTL_SECONDS = 300.0
DEFAULT_MAX_STALENESS_SECONDS = 24 * 3600.0
JWT_FORMATS = frozenset({"jwt_vc_json"})


class Status(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StatusResult:
    """One credential's status, why, and when the oldest list it rests on was fetched."""

    status: Status
    reason: str
    checked_at: datetime | None = None  # None: no list was consulted
    entries: int = 0  # how many revocation/suspension entries the credential carries


@dataclass(frozen=True)
class CachedList:
    document: dict[str, Any]
    fetched_at: datetime | None


class StatusListCache:
    """Verified status list credentials by URL; at most ``max_lists``, least recent out first.

    ``ttl_seconds`` is the default lifetime, used when the issuer's response says nothing;
    ``max_staleness_seconds`` caps whatever the issuer says. ``clock`` is monotonic seconds.
    """

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_lists: int = 256,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_staleness_seconds: float = DEFAULT_MAX_STALENESS_SECONDS,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_lists
        self._clock = clock
        self._max_staleness = max_staleness_seconds
        self._lists: OrderedDict[str, tuple[float, CachedList]] = OrderedDict()
        # The fetch under way for each list, and how many checks wait on it.
        self._in_flight: dict[str, asyncio.Task[CachedList]] = {}
        self._waiting: dict[str, int] = {}

    async def single_flight(
        self, url: str, fetch: Callable[[], Awaitable[CachedList]]
    ) -> CachedList:
        """``fetch()``'s result, or that of the fetch of ``url`` already under way.

        The fetch runs as its own task, shielded from each caller: a caller that goes away
        (a learner closing the page) does not cancel it for the others. Its error reaches
        every caller, and the task leaves ``_in_flight`` when it ends, however it ends, so
        the next check starts a new fetch instead of waiting on a finished one.
        """
        task = self._in_flight.get(url)
        if task is None:
            task = asyncio.ensure_future(fetch())
            self._in_flight[url] = task
            task.add_done_callback(lambda done: self._landed(url, done))
        self._waiting[url] = self._waiting.get(url, 0) + 1
        try:
            return await asyncio.shield(task)
        finally:
            self._waiting[url] -= 1
            if not self._waiting[url]:
                del self._waiting[url]

    def waiting(self, url: str) -> int:
        """How many checks are waiting for the fetch of ``url`` under way (0: none)."""
        return self._waiting.get(url, 0)

    def _landed(self, url: str, task: asyncio.Task[CachedList]) -> None:
        if self._in_flight.get(url) is task:
            del self._in_flight[url]
        if not task.cancelled():
            task.exception()  # seen here too: every caller may have gone away

    def get(self, url: str) -> dict[str, Any] | None:
        found = self.entry(url)
        return found.document if found is not None else None

    def entry(self, url: str) -> CachedList | None:
        found = self._lists.get(url)
        if found is None:
            return None
        expires_at, cached = found
        if self._clock() >= expires_at:
            del self._lists[url]
            return None
        return cached

    def put(
        self,
        url: str,
        document: dict[str, Any],
        *,
        fresh_for: float | None = None,
        fetched_at: datetime | None = None,
    ) -> None:
        """Keep ``document`` for ``fresh_for`` seconds (None: the default TTL), capped by the
        maximum staleness; zero or less means "do not keep" (and forgets an older copy)."""
        lifetime = min(self._ttl if fresh_for is None else fresh_for, self._max_staleness)
        if lifetime <= 0:
            self._lists.pop(url, None)
            return
        self._lists[url] = (self._clock() + lifetime, CachedList(document, fetched_at))
        self._lists.move_to_end(url)
        while len(self._lists) > self._max:
            self._lists.popitem(last=False)


def http_freshness(headers: Mapping[str, str], now: datetime) -> float | None:
    """How long a response may be kept by its HTTP caching headers (RFC 9111), in seconds;
    None when they say nothing. A private cache: ``s-maxage`` is not ours to honour."""
    directives = _cache_control(headers.get("cache-control", ""))
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    age = _seconds(headers.get("age")) or 0
    if (max_age := _seconds(directives.get("max-age"))) is not None:
        return float(max_age - age)
    expires = headers.get("expires")
    if expires is None:
        return None
    expires_at = _http_date(expires)
    if expires_at is None:
        return 0.0  # RFC 9111 §5.3: an invalid Expires means "already expired"
    sent_at = _http_date(headers.get("date", "")) or now
    return (expires_at - sent_at).total_seconds() - age


def list_freshness(document: Mapping[str, Any], now: datetime) -> float | None:
    """How long the list itself says it may be used: until ``validUntil``/``expirationDate``,
    and for at most its BSL ``ttl`` (milliseconds); None when it says neither."""
    limits: list[float] = []
    if (until := list_expiry(document)) is not None:
        limits.append((until - now).total_seconds())
    subject = document.get("credentialSubject")
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl >= 0:
        limits.append(ttl / 1000)
    return min(limits) if limits else None


def list_expiry(document: Mapping[str, Any]) -> datetime | None:
    moments = [parse_date(document.get(m), m)[0] for m in ("validUntil", "expirationDate")]
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


def status_entries(credential: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The revocation and suspension entries of a credential (VC members, not JWT claims)."""
    found: list[dict[str, Any]] = []
    for member in ("credentialStatus", "suspensionStatus"):
        value = credential.get(member)
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and entry.get("statusPurpose") in PURPOSES:
                found.append(entry)
    return found


def credential_members(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    """The VC itself: a VC-JWT payload keeps it under ``vc``."""
    vc = claims.get("vc")
    return vc if isinstance(vc, dict) and "credentialSubject" not in claims else claims


def expiry_of(claims: Mapping[str, Any]) -> datetime | None:
    """``expirationDate`` / ``validUntil`` of the VC, or a VC-JWT's ``exp``, whichever is first."""
    credential = credential_members(claims)
    moments = [
        parse_date(credential.get(member), member)[0] for member in ("expirationDate", "validUntil")
    ]
    moments.append(parse_numeric_date(claims.get("exp"), "exp")[0])
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


class _Unusable(Exception):
    """A list that cannot be relied on; the message says why, in words."""


class StatusCheck:
    """Looks credentials up in their issuers' status lists, through ``http`` only.

    ``resolver`` verifies the lists' proofs (its client should be the same guarded one).
    ``fresh``: a person asked to check now, so no list is taken from the cache: each list
    is fetched anew (refreshing the cache), once per checker, or the fetch of it already
    under way for someone else is joined (the cache's single flight).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        resolver: DIDResolver,
        cache: StatusListCache | None = None,
        clock: Clock = utc_now,
        *,
        fresh: bool = False,
    ) -> None:
        self.http = http
        self.resolver = resolver
        self.cache = cache if cache is not None else StatusListCache()
        self.clock = clock
        self.fresh = fresh
        # The lists a fresh checker fetched: a learner's "check all" reads each list once (a
        # checker lives for one request; others go by the cache's lifetimes instead).
        self._fetched: dict[str, CachedList] = {}
        self._lists_format = LdpVc(resolver, clock=clock)

    async def status_of(self, document: SignedDocument, format_name: str) -> str:
        """valid, revoked, suspended, expired or unknown, for a stored credential (the wallet):
        an expired credential is settled by its own date, without telling the issuer."""
        try:
            claims = _claims(document, format_name)
        except CredstackError:
            return Status.UNKNOWN.value
        return (await self.check(claims)).status.value

    async def check(
        self, credential: Mapping[str, Any], *, look_up_expired: bool = False
    ) -> StatusResult:
        """The status of ``credential`` (a VC object, or a VC-JWT's claims).

        ``look_up_expired``: still read the lists of an expired credential (a verifier wants
        to know it was revoked too); otherwise an expired credential is "expired" at once.
        """
        expires = expiry_of(credential)
        expired = expires is not None and expires <= self.clock()
        members = credential_members(credential)
        entries = status_entries(members)
        if expired and not look_up_expired:
            return StatusResult(Status.EXPIRED, _expired_reason(expires), None, len(entries))
        if not entries:
            if expired:
                return StatusResult(Status.EXPIRED, _expired_reason(expires))
            return StatusResult(
                Status.VALID,
                "The credential names no revocation or suspension list: its issuer cannot "
                "withdraw it, so there is nothing to look up.",
            )
        issuer = issuer_id(dict(members))
        if issuer is None and isinstance(credential.get("iss"), str):
            issuer = str(credential["iss"])
        found: list[tuple[EntryStatus, datetime | None]] = []
        problems: list[str] = []
        for entry in entries:
            try:
                found.append(await self._entry_status(entry, issuer))
            except _Unusable as problem:
                problems.append(str(problem))
        result = _verdict(found, problems, expires if expired else None)
        return StatusResult(result.status, result.reason, result.checked_at, len(entries))

    async def _entry_status(
        self, entry: dict[str, Any], issuer: str | None
    ) -> tuple[EntryStatus, datetime | None]:
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        if entry.get("type") not in (ENTRY_TYPE, BSL_ENTRY_TYPE) or not isinstance(url, str):
            raise _Unusable(f"The credential's {purpose} entry is of a kind credstack cannot read.")
        cached = await self._verified_list(url, purpose)
        if issuer is None or issuer_id(cached.document) != issuer:
            raise _Unusable(
                f"The {purpose} list at {_host(url)} is not signed by the credential's issuer."
            )
        try:
            return read_entry_status(entry, cached.document), cached.fetched_at
        except CredstackError as error:
            raise _Unusable(
                f"The {purpose} list at {_host(url)} could not be read ({error.description})."
            ) from error

    async def _verified_list(self, url: str, purpose: object) -> CachedList:
        if (cached := self._fetched.get(url)) is not None:
            return cached
        if not self.fresh and (cached := self.cache.entry(url)) is not None:
            return cached
        # The purpose is the caller's, for its words: a list is one list whatever it marks.
        fetched = await self.cache.single_flight(url, lambda: self._fetch(url, purpose))
        if self.fresh:
            self._fetched[url] = fetched
        return fetched

    async def _fetch(self, url: str, purpose: object) -> CachedList:
        try:
            document, headers = await fetch_json_with_headers(
                self.http, url, accept=LIST_MEDIA_TYPES
            )
        except CredstackError as error:
            # Hosts only: a list URL may carry identifiers (security checklist D.7).
            log.info("status list at %s not fetched: %s", _host(url), error.description)
            raise _Unusable(
                f"The issuer's {purpose} list could not be fetched: {error.description}"
            ) from error
        if not isinstance(document, dict):
            raise _Unusable(f"{_host(url)} answered with something other than a status list.")
        now = self.clock()
        expires = list_expiry(document)
        if expires is not None and expires <= now:
            raise _Unusable(
                f"The issuer's {purpose} list at {_host(url)} expired on "
                f"{expires.date().isoformat()} and has not been renewed."
            )
        result = await self._lists_format.verify_credential(document)
        if not result.verified:
            log.info("status list at %s refused: %s", _host(url), "; ".join(result.problems))
            raise _Unusable(f"The {purpose} list at {_host(url)} does not carry a valid signature.")
        freshness = [
            value
            for value in (http_freshness(headers, now), list_freshness(document, now))
            if value is not None
        ]
        entry = CachedList(document, now)
        self.cache.put(
            url, document, fresh_for=min(freshness) if freshness else None, fetched_at=now
        )
        return entry


def _verdict(
    found: list[tuple[EntryStatus, datetime | None]],
    problems: list[str],
    expired_at: datetime | None,
) -> StatusResult:
    """What the bits read (with when each list was fetched) and the unusable lists add up to:
    a set bit wins (revoked before suspended), then any unusable list makes it unknown."""
    fetched = [at for _, at in found if at is not None]
    checked_at = min(fetched) if fetched else None
    for purpose, status in ((REVOCATION, Status.REVOKED), (SUSPENSION, Status.SUSPENDED)):
        hits = [at for bits, at in found if bits.set and bits.purpose == purpose]
        if hits:
            reason = (
                f"The issuer has {status.value} this credential: its {purpose} list"
                f"{_as_of(hits[0])} marks it so."
            )
            return StatusResult(status, reason, checked_at)
    if problems:
        reason = " ".join(problems) + " So whether it was revoked or suspended cannot be told."
        return StatusResult(Status.UNKNOWN, reason, checked_at)
    if expired_at is not None:
        reason = _expired_reason(expired_at) + " Its issuer has not revoked or suspended it."
        return StatusResult(Status.EXPIRED, reason, checked_at)
    purposes = sorted({bits.purpose for bits, _ in found})
    lists = f"{' and '.join(purposes)} list{'s' if len(purposes) > 1 else ''}"
    verb = "show" if len(purposes) > 1 else "shows"
    return StatusResult(
        Status.VALID,
        f"The issuer's {lists}{_as_of(checked_at)} {verb} the credential as neither revoked "
        "nor suspended.",
        checked_at,
    )


def _claims(document: SignedDocument, format_name: str) -> dict[str, Any]:
    """The credential as a JSON object: an ldp_vc as is, a VC-JWT's claims (``vc`` inside).
    Nothing is verified: status is read from a document its holder already accepted."""
    if isinstance(document, str) and format_name in JWT_FORMATS:
        return unverified_claims(document)
    if isinstance(document, dict):
        return document
    raise InvalidInput("A credential is a JSON object or a JWT.")


def _expired_reason(expires: datetime | None) -> str:
    when = expires.date().isoformat() if expires else "an earlier date"
    return f"The credential expired on {when}."


def _as_of(moment: datetime | None) -> str:
    return f" (as fetched at {moment.strftime('%Y-%m-%d %H:%M UTC')})" if moment else ""


def _host(url: str) -> str:
    return urlsplit(url).hostname or "(no host)"


def _cache_control(value: str) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = argument.strip().strip('"') or None
    return directives


def _seconds(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None
