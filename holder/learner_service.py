"""What a wallet service acting for one signed-in learner starts from.

Receiving (holder.receive) and sharing (holder.share) each work for one learner within one
request: they hold the request's unit of work, the running service (its guarded outbound
client and the KEK), the settings, the learner and their credential store, a DID resolver
that goes out through the guarded client, and reach the learner's own key to sign with.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.service import Accounts
from holder.models import Learner
from holder.settings import HolderSettings
from holder.wallet.importing import credential_resolver
from holder.wallet.store import CredentialStore
from shared.crypto.keys import SigningKey
from shared.runtime import ServiceRuntime


class LearnerService:
    def __init__(
        self,
        session: AsyncSession,
        runtime: ServiceRuntime,
        settings: HolderSettings,
        learner: Learner,
    ) -> None:
        self._session = session
        self._runtime = runtime
        self._settings = settings
        self._learner = learner
        self._kek = runtime.key_encryption_key
        self._store = CredentialStore(session, learner, self._kek)
        self._resolver = credential_resolver(runtime)

    async def _holder_key(self) -> SigningKey:
        """The learner's key, for the proofs and presentations the wallet signs for them."""
        accounts = Accounts(self._session, self._kek, self._settings.session_ttl_seconds)
        return await accounts.holder_signing_key(self._learner)
