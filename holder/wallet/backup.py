"""Taking a wallet's contents out, and bringing them back.

- Export: every credential as received (with its format), as plain JSON. No key: an export
  is for reading and for other wallets, and proves nothing on its own.
- Backup: the credentials and the holder key, encrypted under a passphrase
  (shared.crypto.backup). The only way the key ever leaves the wallet, and only sealed.
- Restore: into a new, empty account. The backup's key replaces the key the account was
  created with, and the account's DID becomes the backup's, so the restored credentials
  (bound to that DID) can be presented again. An account that already holds credentials is
  refused: its credentials are bound to its own key, which the restore would throw away.
  The passphrase is checked before anything is written, so a wrong one changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.service import Accounts, key_owner
from holder.i18n import _
from holder.models import Learner, StoredCredential, StoredKey
from holder.wallet.store import CredentialStore
from holder.wallet.summary import credential_object, summarize
from holder.wallet.views import credential_members
from shared.clock import utcnow
from shared.credentials.formats.vcdm import issuer_id
from shared.crypto.backup import DEFAULT_KDF, BackupError, KdfParams, open_backup, seal_backup
from shared.crypto.keyring import KeyRing
from shared.crypto.keys import PrivateKey
from shared.did.key import did_key_from_jwk
from shared.errors import Conflict, CredstackError, InvalidInput

EXPORT_FORMAT = "credstack-wallet-export"
MIN_PASSPHRASE_LENGTH = 12
MAX_BACKUP_BYTES = 32 * 1024 * 1024
FORMATS = ("ldp_vc", "jwt_vc_json")


class WalletArchive:
    def __init__(
        self,
        session: AsyncSession,
        learner: Learner,
        kek: bytes,
        accounts: Accounts,
        *,
        kdf: KdfParams = DEFAULT_KDF,
    ) -> None:
        self._session = session
        self._learner = learner
        self._kek = kek
        self._accounts = accounts
        self._store = CredentialStore(session, learner, kek)
        self._kdf = kdf

    async def _credentials(self) -> list[dict[str, Any]]:
        return [
            {
                "id": record.id,
                "format": record.format,
                "credential": self._store.document(record),
                "summary": record.summary,
                "source": record.source,
                "received_at": record.received_at.isoformat(),
            }
            for record in await self._store.all()
        ]

    async def export(self) -> dict[str, Any]:
        """Every credential as received; the holder's DID, never its key."""
        await self._store.log("wallet.export", {})
        return {
            "format": EXPORT_FORMAT,
            "version": 1,
            "exported_at": utcnow().isoformat(),
            "holder": self._learner.did,
            "credentials": await self._credentials(),
        }

    async def backup(self, passphrase: str) -> dict[str, Any]:
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise InvalidInput(
                _(
                    "Choose a passphrase of at least %(num)s characters: it is all that "
                    "protects your wallet key in the backup file.",
                    num=MIN_PASSPHRASE_LENGTH,
                )
            )
        contents = {
            "holder": self._learner.did,
            "created_at": utcnow().isoformat(),
            "credentials": await self._credentials(),
        }
        key = (await self._accounts.holder_signing_key(self._learner)).key
        # argon2id takes a good part of a second and 64 MiB: not on the event loop.
        envelope = await asyncio.to_thread(seal_backup, contents, key, passphrase, kdf=self._kdf)
        await self._store.log("wallet.backup", {})
        return envelope

    async def restore(self, content: bytes, passphrase: str) -> list[StoredCredential]:
        """Restore a backup file into this (new, empty) account; returns what was stored."""
        if len(content) > MAX_BACKUP_BYTES:
            raise BackupError(_("This file is too large to be a wallet backup."))
        if await self._store.all():
            raise Conflict(
                _(
                    "A backup can only be restored into a new, empty account: this one holds "
                    "credentials bound to its own key. Create a new account and restore there."
                )
            )
        opened = await asyncio.to_thread(open_backup, content, passphrase)
        entries = opened.contents.get("credentials")
        if not isinstance(entries, list):
            raise BackupError(_("The backup opened, but it lists no credentials."))
        did = did_key_from_jwk(opened.holder_key.public_jwk())
        if opened.contents.get("holder") not in (None, did):
            raise BackupError(_("The backup's key does not belong to the DID it names."))
        # Every check comes before the first write: a refused backup changes nothing.
        prepared = [_prepared(entry, did) for entry in entries]
        await self._adopt_key(opened.holder_key, did)
        restored = [await self._store.add(**fields, source="backup") for fields in prepared]
        await self._store.log("wallet.restore", {"credentials": len(restored), "did": did})
        return restored

    async def _adopt_key(self, key: PrivateKey, did: str) -> None:
        """Replace the learner's key with ``key`` and take its DID."""
        owner = key_owner(self._learner.id)
        await self._session.execute(delete(StoredKey).where(StoredKey.owner == owner))
        stored = await KeyRing(self._session, StoredKey, self._kek).adopt(owner, key)
        self._learner.did = did
        self._learner.key_id = stored.id
        await self._session.flush()


def _prepared(entry: Any, holder_did: str) -> dict[str, Any]:
    """What ``CredentialStore.add`` needs for one credential of a backup.

    The summary is made again from the document, as receiving makes it, so that a backup
    from an older wallet shows like everything else; the backup's own is the fallback.
    """
    if not isinstance(entry, dict) or entry.get("format") not in FORMATS:
        raise BackupError(_("The backup holds a credential in a format this wallet lacks."))
    format_name, document = entry["format"], entry.get("credential")
    if not isinstance(document, dict | str):
        raise BackupError(_("The backup holds a credential that is neither JSON nor a JWT."))
    try:
        summary = summarize(document, format_name, holder_did=holder_did)
    except CredstackError:
        summary = entry["summary"] if isinstance(entry.get("summary"), dict) else {}
    try:
        issuer = issuer_id(credential_members(credential_object(document, format_name)))
    except CredstackError:
        issuer = None
    return {
        "format_name": format_name,
        "document": document,
        "summary": summary,
        "issuer_id": issuer or str(summary.get("issuer_id") or ""),
    }
