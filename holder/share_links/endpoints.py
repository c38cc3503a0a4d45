"""The share-link API: make, list and revoke a credential's public links; save it as a file.

Scoped to the signed-in learner: another learner's credential or link answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from holder.deps import LearnerDep, RuntimeDep, SessionDep, SettingsDep
from holder.models import Learner
from holder.settings import HolderSettings
from holder.share_links.files import credential_file
from holder.share_links.schemas import ShareLinkIn, ShareLinkOut
from holder.share_links.service import LinkState, ShareLinks, state_of
from holder.wallet.store import CredentialStore
from shared.clock import utcnow
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/api/v1", tags=["share links"])


def share_links_of(
    session: AsyncSession, learner: Learner, runtime: ServiceRuntime, settings: HolderSettings
) -> ShareLinks:
    return ShareLinks(session, learner, runtime.key_encryption_key, settings.base_url)


def _share_links(
    learner: LearnerDep, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> ShareLinks:
    return share_links_of(session, learner, runtime, settings)


ShareLinksDep = Annotated[ShareLinks, Depends(_share_links)]


@router.post("/credentials/{credential_id}/share-links", status_code=201)
async def create_share_link(
    credential_id: str, body: ShareLinkIn, links: ShareLinksDep
) -> ShareLinkOut:
    """A public link to the credential until ``lifetime``; the answer is the only place
    its address ever appears (the wallet keeps a hash)."""
    made = await links.create(credential_id, body.lifetime)
    return ShareLinkOut.of(LinkState(made.link, "active"), made.url)


@router.get("/credentials/{credential_id}/share-links")
async def list_share_links(credential_id: str, links: ShareLinksDep) -> list[ShareLinkOut]:
    return [ShareLinkOut.of(found) for found in await links.of(credential_id)]


@router.post("/share-links/{link_id}/revoke")
async def revoke_share_link(link_id: str, links: ShareLinksDep) -> ShareLinkOut:
    link = await links.revoke(link_id)
    return ShareLinkOut.of(LinkState(link, state_of(link, utcnow())))


@router.get("/credentials/{credential_id}/file")
async def download_credential(
    credential_id: str, learner: LearnerDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The credential as received: a .json file (ldp_vc) or a .jwt file (jwt_vc_json)."""
    store = CredentialStore(session, learner, runtime.key_encryption_key)
    record = await store.get(credential_id)
    return credential_file(record, store.document(record))
