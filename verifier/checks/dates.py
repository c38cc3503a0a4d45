"""The "validity_dates" check: the one place a credential's dates are judged (the formats
verify signatures with a window wide enough never to refuse on dates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.credentials.formats.validity import (
    DEFAULT_LEEWAY,
    Window,
    credential_window,
    parse_date,
)
from verifier.checks.report import Check, Outcome


def validity_dates(document: dict[str, Any], now: datetime, index: int) -> Check:
    """VCDM 1.1 ``issuanceDate``/``expirationDate`` (a JWT's nbf/exp, as the format filled
    them in) and 2.0 ``validFrom``/``validUntil``: the narrowest window holds."""
    stated, problems = credential_window(document)
    starts, more = parse_date(document.get("validFrom"), "validFrom")
    ends, most = parse_date(document.get("validUntil"), "validUntil")
    if starts is not None:  # a 2.0 credential has validFrom instead of issuanceDate
        problems = [p for p in problems if "no issuanceDate" not in p]
    starts_at = [m for m in (stated.not_before, starts) if m is not None]
    ends_at = [m for m in (stated.not_after, ends) if m is not None]
    window = Window(
        not_before=max(starts_at) if starts_at else None,
        not_after=min(ends_at) if ends_at else None,
    )
    problems += more + most + window.problems("credential", now, DEFAULT_LEEWAY)
    if problems:
        return Check("validity_dates", Outcome.FAILED, " ".join(problems), index)
    since = window.not_before.date().isoformat() if window.not_before else "its issue"
    until = window.not_after.date().isoformat() if window.not_after else None
    ending = f"until {until}" if until else "with no end date"
    return Check("validity_dates", Outcome.PASSED, f"Valid from {since}, {ending}.", index)
