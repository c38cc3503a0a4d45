"""The verifier's own key and DID, with which it signs request objects.

One Ed25519 key, owner ``verifier``, kept in the keys table sealed under the KEK; the DID is
its did:key and the ``kid`` of a request object is that DID's one verification method. When
two replicas start on an empty database together, both may create a key; every replica then
signs with the oldest active one, so all of them present the same DID.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.crypto.keyring import KeyRing
from shared.crypto.keys import KeyAlgorithm, SigningKey
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from verifier.models import StoredKey

OWNER = "verifier"
ALGORITHM = KeyAlgorithm.ED25519


class VerifierIdentity:
    def __init__(self, session: AsyncSession, kek: bytes) -> None:
        self._keys = KeyRing(session, StoredKey, kek)

    async def ensure_key(self) -> str:
        """The verifier's DID, creating its key on first use."""
        return (await self.signing_key()).did

    async def did(self) -> str:
        return await self.ensure_key()

    async def signing_key(self) -> SigningKey:
        active = await self._keys.public_keys(OWNER, include_retired=False)
        stored = next((key for key in active if key.algorithm is ALGORITHM), None)
        if stored is None:
            stored = await self._keys.create(OWNER, ALGORITHM)
        did = did_key_from_jwk(stored.public_jwk)
        private = await self._keys.get_private(stored.id)
        return SigningKey(private, did_key_verification_method_id(did))
