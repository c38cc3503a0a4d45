"""A live check of a shared credential, for whoever opens its link.

The wallet cannot import the verifier (services talk only over HTTP), so this composes the
same shared checks the verifier's engine is built on: the format's signature verification
(``shared.credentials.formats``), the issuer named in the credential against the key that
signed it, the issuer's status lists (``shared.credentials.status_check``) and the
credential's own validity window (``shared.credentials.formats.validity``). Nothing here is
a new rule; each check keeps its own outcome, so the page can say which one failed.

The wallet keeps no trust list: the issuer check says who signed (their DID, and for a
did:web the web site it stands for), not that the issuer is accredited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from shared.credentials.formats import credential_formats
from shared.credentials.formats.base import SignedDocument
from shared.credentials.formats.validity import DEFAULT_LEEWAY, credential_window, utc_now
from shared.credentials.formats.vcdm import did_of, issuer_id
from shared.credentials.status_check import Status, StatusCheck
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError

# The signature is judged on its own; the dates have a check of their own below, so the
# format is given a window wide enough never to refuse a signature on dates.
_DATES_CHECKED_APART = timedelta(days=365 * 200)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"  # could not be told (a status list out of reach, a bad signature)


@dataclass(frozen=True)
class Check:
    name: str  # signature | issuer | status | dates
    outcome: Outcome
    detail: str  # what was found: a DID, a status, the problem as the check words it
    status: str | None = None  # the status check's finding (valid, revoked, suspended, ...)


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]
    issuer: str | None  # the DID that signed, when the signature holds
    issuer_site: str | None  # the web site of a did:web issuer

    @property
    def verified(self) -> bool:
        return all(check.outcome is Outcome.PASSED for check in self.checks)

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)


def web_site_of(did: str | None) -> str | None:
    """``uni.example`` for ``did:web:uni.example`` (``:`` path parts become ``/``)."""
    if not did or not did.startswith("did:web:"):
        return None
    host, *path = did.removeprefix("did:web:").split(":")
    return "/".join([host.replace("%3A", ":"), *path])


async def verify_shared(
    document: SignedDocument, format_name: str, *, resolver: DIDResolver, status: StatusCheck
) -> Verification:
    formats = credential_formats(resolver, leeway=_DATES_CHECKED_APART)
    try:
        result = await formats[format_name].verify_credential(document)
    except (CredstackError, KeyError) as error:
        problem = error.description if isinstance(error, CredstackError) else format_name
        unreadable = Check("signature", Outcome.FAILED, problem)
        rest = [Check(name, Outcome.UNKNOWN, "") for name in ("issuer", "status", "dates")]
        return Verification((unreadable, *rest), None, None)
    signature = Check(
        "signature",
        Outcome.PASSED if result.verified else Outcome.FAILED,
        "; ".join(result.problems),
    )
    named = issuer_id(result.document)
    signer = did_of(result.signer) if result.signer else None
    if not result.verified:
        # Nothing in a credential whose signature fails can be believed, its issuer,
        # status entries and dates included: those checks cannot be told.
        rest = [Check(name, Outcome.UNKNOWN, "") for name in ("issuer", "status", "dates")]
        return Verification((signature, *rest), None, None)
    issuer = Check(
        "issuer",
        Outcome.PASSED if named is not None and signer == named else Outcome.FAILED,
        named or "",
    )
    return Verification(
        (signature, issuer, await _status(result.document, status), _dates(result.document)),
        named,
        web_site_of(named),
    )


async def _status(credential: dict[str, Any], checker: StatusCheck) -> Check:
    # Looked up even when expired: a recruiter wants to know it was revoked too.
    found = await checker.check(credential, look_up_expired=True)
    outcome = {
        Status.VALID: Outcome.PASSED,
        Status.EXPIRED: Outcome.PASSED,  # the dates check reports the expiry itself
        Status.UNKNOWN: Outcome.UNKNOWN,
    }.get(found.status, Outcome.FAILED)
    return Check("status", outcome, found.reason, found.status.value)


def _dates(credential: dict[str, Any]) -> Check:
    window, problems = credential_window(credential)
    problems += window.problems("credential", utc_now(), DEFAULT_LEEWAY)
    return Check("dates", Outcome.FAILED if problems else Outcome.PASSED, " ".join(problems))
