"""Is a credential still good? The wallet's use of shared.credentials.status_check.

Revocation and suspension come from the issuer's status lists, expiry from the credential's
own dates; a list that cannot be fetched, verified or trusted makes the status "unknown",
never "valid" (interop note 8). The rules live in shared, where the verifier uses them too.

Privacy (security checklist B.6, BSL §6.3): every fetch tells the issuer that someone holds
one of the credentials on that list, so verified lists are kept (one cache for every learner
of this wallet), and an expired credential is not looked up at all.
"""

from __future__ import annotations

from holder.models import StoredCredential
from holder.wallet.store import CredentialStore
from shared.credentials.status_check import StatusCheck, StatusListCache

# The wallet's name for the shared checker; its ``status_of`` answers for stored documents.
StatusChecker = StatusCheck

__all__ = ["StatusChecker", "StatusListCache", "refresh"]


async def refresh(store: CredentialStore, record: StoredCredential, checker: StatusChecker) -> str:
    """Check one credential now and store what was found."""
    status = await checker.status_of(store.document(record), record.format)
    await store.set_status(record, status)
    return status
