"""When a credential or presentation may be used: the time checks both formats apply.

A credential states its window in ``issuanceDate``/``expirationDate``; a JWT also in the
claims ``nbf``/``exp`` (which shared.crypto.jose checks along with the signature) and
``iat``. Whatever is left to check here is one window, compared with an injectable clock
and a small leeway for clocks that disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.credentials.formats.vcdm import shown

Clock = Callable[[], datetime]
DEFAULT_LEEWAY = timedelta(seconds=60)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Window:
    not_before: datetime | None = None
    not_after: datetime | None = None
    issued_at: datetime | None = None

    def problems(self, what: str, now: datetime, leeway: timedelta) -> list[str]:
        found = []
        if self.not_before is not None and now + leeway < self.not_before:
            found.append(f"The {what} is not valid before {self.not_before.isoformat()}.")
        if self.not_after is not None and now - leeway >= self.not_after:
            found.append(f"The {what} expired at {self.not_after.isoformat()}.")
        if self.issued_at is not None and now + leeway < self.issued_at:
            found.append(
                f"The {what} says it was issued in the future, {self.issued_at.isoformat()}."
            )
        return found


def parse_date(value: object, member: str) -> tuple[datetime | None, list[str]]:
    """An XML Schema dateTime with a timezone (``2024-03-01T09:00:00Z``), or a problem."""
    if value is None:
        return None, []
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed, []
    return None, [f"{member} {shown(value)} is not a date and time with a timezone."]


def parse_numeric_date(value: object, claim: str) -> tuple[datetime | None, list[str]]:
    """A JWT NumericDate (seconds since the epoch), or a problem."""
    if value is None:
        return None, []
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC), []
        except (OverflowError, OSError, ValueError):
            pass
    return None, [f"The {claim} claim {shown(value)} is not a time in seconds since 1970."]


def credential_window(credential: dict[str, Any]) -> tuple[Window, list[str]]:
    """The window a credential states in ``issuanceDate`` and ``expirationDate``."""
    issued, problems = parse_date(credential.get("issuanceDate"), "issuanceDate")
    expires, more = parse_date(credential.get("expirationDate"), "expirationDate")
    if "issuanceDate" not in credential:
        problems.append("The credential has no issuanceDate.")
    return Window(not_before=issued, not_after=expires), problems + more


def numeric_date(moment: datetime) -> int:
    """Whole seconds since the epoch, as JWT time claims are written."""
    return int(moment.timestamp())


def iso_date(moment: datetime) -> str:
    """``2024-03-01T09:00:00Z``: how VCDM 1.1 documents write a moment."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
