"""The "status" check: revocation and suspension, from the issuer's status lists (fetched
through the shared, cached ``StatusCheck``)."""

from __future__ import annotations

from typing import Any

from shared.credentials.status_check import Status, StatusCheck
from shared.errors import CredstackError
from verifier.checks.report import Check, Outcome


async def status_check(
    status: StatusCheck, document: dict[str, Any], genuine: bool, index: int
) -> tuple[str, Check]:
    """The credential's status in one word, and the check. A credential whose signature does
    not hold is not looked up: its status entries cannot be believed."""
    if not genuine:
        reason = (
            "Not looked up: the issuer's signature does not hold, so the credential's "
            "status entries cannot be believed."
        )
        return Status.UNKNOWN.value, Check("status", Outcome.UNKNOWN, reason, index)
    try:
        result = await status.check(document, look_up_expired=True)
    except CredstackError as error:
        reason = f"The status could not be checked: {error.description}"
        return Status.UNKNOWN.value, Check("status", Outcome.UNKNOWN, reason, index)
    if result.status in (Status.REVOKED, Status.SUSPENDED):
        outcome = Outcome.FAILED
    elif result.status is Status.UNKNOWN:
        outcome = Outcome.UNKNOWN
    elif result.entries == 0:
        outcome = Outcome.NOT_APPLICABLE
    else:
        outcome = Outcome.PASSED
    return result.status.value, Check("status", outcome, result.reason, index)
