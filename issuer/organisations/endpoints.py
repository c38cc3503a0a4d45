"""did:web documents of the organisations hosted here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.organisations.service import Organisations

router = APIRouter(tags=["did"])


@router.get("/orgs/{slug}/did.json")
async def organisation_did_document(
    slug: str, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> dict[str, Any]:
    organisations = Organisations(session, settings, runtime.key_encryption_key)
    return await organisations.did_document(await organisations.by_slug(slug))


@router.get("/.well-known/did.json")
async def node_did_document(
    session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """The lead organisation's document: its DID is the node's own ``did:web:<host>``."""
    organisations = Organisations(session, settings, runtime.key_encryption_key)
    return await organisations.did_document(await organisations.by_did(organisations.node_did()))
