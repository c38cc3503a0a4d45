"""API: the trust list, ``/api/v1/trust-list`` (the same format as the trust list file).

Anyone signed in may read the list; only an operator (``TrustOperatorDep``) may change it,
because every organisation's results on this node depend on it.

Bodies are read as plain JSON and checked by ``verifier.trust.document``, so a refusal names
the entry and what is wrong in words rather than in a validation library's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from verifier.deps import EmployerDep, RuntimeDep, SessionDep, SettingsDep, TrustOperatorDep
from verifier.trust.document import document_of, entry_json, parse_entry, parse_list
from verifier.trust.service import TrustListService
from verifier.trust.source import configured_source

router = APIRouter(prefix="/api/v1/trust-list", tags=["trust list"])

JsonBody = Annotated[Any, Body()]


@router.get("")
async def get_trust_list(employer: EmployerDep, session: SessionDep) -> dict[str, Any]:
    """The universities this verifier trusts, in the trust list file's format."""
    return document_of(await TrustListService(session).entries())


@router.put("")
async def replace_trust_list(
    body: JsonBody, employer: TrustOperatorDep, session: SessionDep
) -> dict[str, Any]:
    """Replace the whole list; a list with any bad entry is refused and nothing changes."""
    issuers = parse_list(body)
    await TrustListService(session).replace(issuers, actor=employer.actor)
    return document_of(issuers)


@router.post("", status_code=201)
async def add_trusted_issuer(
    body: JsonBody, employer: TrustOperatorDep, session: SessionDep
) -> dict[str, Any]:
    issuer = await TrustListService(session).add(parse_entry(body), actor=employer.actor)
    return entry_json(issuer)


@router.post("/reload")
async def reload_trust_list(
    employer: TrustOperatorDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Read the configured trust list file or URL again, now."""
    source = configured_source(settings.trust_list_source, settings)
    outcome = await TrustListService(session).reload(source, runtime.http)
    return {"entries": outcome.entries}


# ``:path`` because DIDs may hold what a path segment would otherwise stop at.
@router.get("/{did:path}")
async def get_trusted_issuer(
    did: str, employer: EmployerDep, session: SessionDep
) -> dict[str, Any]:
    return entry_json(await TrustListService(session).entry(did))


@router.put("/{did:path}")
async def change_trusted_issuer(
    did: str, body: JsonBody, employer: TrustOperatorDep, session: SessionDep
) -> dict[str, Any]:
    issuer = await TrustListService(session).change(did, parse_entry(body), actor=employer.actor)
    return entry_json(issuer)


@router.delete("/{did:path}", status_code=204)
async def remove_trusted_issuer(
    did: str, employer: TrustOperatorDep, session: SessionDep
) -> Response:
    await TrustListService(session).remove(did)
    return Response(status_code=204)
