"""Status list credentials (public) and revoke / suspend / reinstate (admin API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from issuer.status.publication import SignedListCache, StatusListPublisher
from issuer.status.schemas import AwardStatusOut, StatusChangeIn
from issuer.status.service import AwardStatuses, StatusAction

# Verifiers may reuse a list for a minute: a revocation shows within about that long, and a
# burst of checks costs one fetch per verifier, not one per credential.
STATUS_LIST_MAX_AGE = 60

router = APIRouter(tags=["status"])


def signed_list_cache(request: Request) -> SignedListCache:
    """The app's cache of signed lists, made on first use (one per app, never shared)."""
    state = request.app.state
    cache: SignedListCache | None = getattr(state, "signed_status_lists", None)
    if cache is None:
        cache = state.signed_status_lists = SignedListCache()
    return cache


CacheDep = Annotated[SignedListCache, Depends(signed_list_cache)]


@router.get(
    "/status/{list_id}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, 304: {"description": "Unchanged"}},
)
async def status_list_credential(
    list_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    cache: CacheDep,
) -> Response:
    """The StatusList2021Credential of one list, signed (ldp_vc) by the list's organisation."""
    publisher = StatusListPublisher(session, settings, runtime.key_encryption_key, cache)
    published = await publisher.published(list_id)
    headers = {
        "Cache-Control": f"public, max-age={STATUS_LIST_MAX_AGE}",
        "ETag": published.etag,
        # A public document: verifiers running in a browser (web wallets) may read it too.
        "Access-Control-Allow-Origin": "*",
    }
    if _matches(request.headers.get("if-none-match"), published.etag):
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match uses: the W/ prefix does not count."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or wanted in tags


async def _change(
    award_id: str,
    action: StatusAction,
    change: StatusChangeIn | None,
    actor_name: str,
    session: AsyncSession,
) -> AwardStatusOut:
    reason = change.reason if change else None
    award = await AwardStatuses(session).change(award_id, action, reason=reason, actor=actor_name)
    return AwardStatusOut.of(award)


@router.post("/api/v1/awards/{award_id}/revoke", tags=["awards"])
async def revoke_award(
    award_id: str, actor: AdminDep, session: SessionDep, change: StatusChangeIn | None = None
) -> AwardStatusOut:
    """Revoke for good: every copy of the credential shows as revoked. A reason is required."""
    return await _change(award_id, StatusAction.REVOKE, change, actor.name, session)


@router.post("/api/v1/awards/{award_id}/suspend", tags=["awards"])
async def suspend_award(
    award_id: str, actor: AdminDep, session: SessionDep, change: StatusChangeIn | None = None
) -> AwardStatusOut:
    """Suspend until reinstated (an active award only). A reason is required."""
    return await _change(award_id, StatusAction.SUSPEND, change, actor.name, session)


@router.post("/api/v1/awards/{award_id}/reinstate", tags=["awards"])
async def reinstate_award(
    award_id: str, actor: AdminDep, session: SessionDep, change: StatusChangeIn | None = None
) -> AwardStatusOut:
    """Lift a suspension (a suspended award only); a reason is optional."""
    return await _change(award_id, StatusAction.REINSTATE, change, actor.name, session)
