"""Issuing organisations: each has its own DID and keys, and signs its own credentials.

By default an organisation is a ``did:key`` (a laptop run needs nothing else); with
``ISSUER_DID_METHOD=web`` it is ``did:web:<host>:orgs:<slug>``, served by this node, and its
document keeps retired keys so that credentials signed before a rotation still verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record
from issuer.models import Organisation, StoredKey
from issuer.settings import IssuerSettings
from issuer.status.allocation import open_first_lists
from shared.clock import new_id, utcnow
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.model import AwardingBody
from shared.crypto.keyring import KeyRing
from shared.crypto.keyring import StoredKey as StoredKeyInfo
from shared.crypto.keys import KeyAlgorithm, SigningKey
from shared.did.document import VerificationMethodType
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from shared.did.web import build_did_web_document, did_web_from_url
from shared.errors import Conflict, NotFound

SIGNING_ALGORITHM = KeyAlgorithm.ED25519


@dataclass(frozen=True)
class NewOrganisation:
    slug: str
    name: LocalizedText
    country_code: str
    url: str | None = None
    region: str | None = None


def key_owner(organisation_id: str) -> str:
    return f"org:{organisation_id}"


class Organisations:
    def __init__(self, session: AsyncSession, settings: IssuerSettings, kek: bytes) -> None:
        self._session = session
        self._settings = settings
        self._keys = KeyRing(session, StoredKey, kek)

    async def create(self, new: NewOrganisation, *, actor: str) -> Organisation:
        if await self._session.scalar(select(Organisation).where(Organisation.slug == new.slug)):
            raise Conflict(f"An organisation with the slug {new.slug!r} exists already.")
        organisation_id = new_id()
        key = await self._keys.create(key_owner(organisation_id), SIGNING_ALGORITHM)
        organisation = Organisation(
            id=organisation_id,
            slug=new.slug,
            name=new.name.model_dump(mode="json"),
            url=new.url,
            country_code=new.country_code.upper(),
            region=new.region,
            did=await self._did_for(new.slug, key),
            created_at=utcnow(),
        )
        self._session.add(organisation)
        await record(self._session, actor, "organisation.create", target=f"org:{new.slug}")
        await self._session.flush()
        await open_first_lists(self._session, organisation_id)
        return organisation

    async def all(self) -> list[Organisation]:
        rows = await self._session.scalars(select(Organisation).order_by(Organisation.created_at))
        return list(rows)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Organisation)) or 0)

    async def get(self, organisation_id: str) -> Organisation:
        organisation = await self._session.get(Organisation, organisation_id)
        if organisation is None:
            raise NotFound(f"No organisation {organisation_id}.")
        return organisation

    async def by_slug(self, slug: str) -> Organisation:
        organisation = await self._session.scalar(
            select(Organisation).where(Organisation.slug == slug)
        )
        if organisation is None:
            raise NotFound(f"No organisation {slug!r}.")
        return organisation

    async def signing_key(self, organisation: Organisation) -> SigningKey:
        owner = key_owner(organisation.id)
        stored = await self._keys.active(owner, SIGNING_ALGORITHM)
        if stored is None:
            raise NotFound(f"Organisation {organisation.slug!r} has no active signing key.")
        private = await self._keys.get_private(stored.id)
        return SigningKey(private, self._verification_method(organisation, stored))

    async def did_document(self, organisation: Organisation) -> dict[str, Any]:
        """The did:web document, listing every key the organisation ever signed with."""
        if not organisation.did.startswith("did:web:"):
            raise NotFound(f"Organisation {organisation.slug!r} is a {organisation.did[:7]}.")
        keys = await self._keys.public_keys(key_owner(organisation.id))
        return build_did_web_document(
            organisation.did,
            [(_fragment(key), key.public_jwk) for key in keys],
            ed25519_type=VerificationMethodType.ED25519_2020,
        )

    async def rotate_key(self, organisation: Organisation, *, actor: str) -> None:
        if not organisation.did.startswith("did:web:"):
            raise Conflict("A did:key organisation cannot rotate: its DID is its key.")
        await self._keys.rotate(key_owner(organisation.id), SIGNING_ALGORITHM)
        await record(
            self._session, actor, "organisation.rotate_key", target=f"org:{organisation.slug}"
        )

    async def by_did(self, did: str) -> Organisation:
        organisation = await self._session.scalar(
            select(Organisation).where(Organisation.did == did)
        )
        if organisation is None:
            raise NotFound(f"No organisation here has the DID {did}.")
        return organisation

    def node_did(self) -> str:
        """The did:web of the node itself (``/.well-known/did.json``)."""
        return did_web_from_url(self._settings.base_url)

    async def _did_for(self, slug: str, key: StoredKeyInfo) -> str:
        if self._settings.did_method == "key":
            return did_key_from_jwk(key.public_jwk)
        # The first organisation (the alliance's lead) is the node's own did:web; partners
        # hosted beside it get a path: did:web:<host>:orgs:<slug>.
        if await self.count() == 0:
            return self.node_did()
        return f"{self.node_did()}:orgs:{slug}"

    def _verification_method(self, organisation: Organisation, key: StoredKeyInfo) -> str:
        if organisation.did.startswith("did:key:"):
            return did_key_verification_method_id(organisation.did)
        return f"{organisation.did}#{_fragment(key)}"


def _fragment(key: StoredKeyInfo) -> str:
    return f"key-{key.id}"


def awarding_body(organisation: Organisation) -> AwardingBody:
    return AwardingBody(
        id=organisation.did,
        name=LocalizedText.model_validate(organisation.name),
        url=organisation.url,
        country_code=organisation.country_code,
        region=organisation.region,
    )
