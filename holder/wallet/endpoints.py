"""The wallet API: the learner's credentials, their status, the stack, export and backup.

Every route is scoped to the signed-in learner through ``CredentialStore``: another
learner's credential id answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from holder.deps import LearnerDep, RuntimeDep, SessionDep, SettingsDep, accounts
from holder.models import Learner, StoredCredential
from holder.settings import HolderSettings
from holder.wallet.backup import MAX_BACKUP_BYTES, WalletArchive
from holder.wallet.schemas import (
    BackupIn,
    CredentialOut,
    CredentialSummaryOut,
    RestoreOut,
    StackOut,
    StatusOut,
)
from holder.wallet.stack import Stack, build_stack
from holder.wallet.status import StatusChecker, StatusListCache, refresh
from holder.wallet.store import MAX_PAGE, PAGE_SIZE, CredentialStore
from holder.wallet.views import card_of
from shared.clock import utcnow
from shared.did.resolver import DIDResolver
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/api/v1", tags=["wallet"])


# --- what the API and the pages both use -------------------------------------------------


def store_of(session: AsyncSession, learner: Learner, runtime: ServiceRuntime) -> CredentialStore:
    return CredentialStore(session, learner, runtime.key_encryption_key)


def archive_of(
    session: AsyncSession, learner: Learner, runtime: ServiceRuntime, settings: HolderSettings
) -> WalletArchive:
    return WalletArchive(
        session, learner, runtime.key_encryption_key, accounts(session, runtime, settings)
    )


def status_checker(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> StatusChecker:
    """A checker over the runtime's guarded client, with the app's one status list cache."""
    cache: StatusListCache | None = getattr(request.app.state, "status_list_cache", None)
    if cache is None:
        cache = request.app.state.status_list_cache = StatusListCache()
    resolver = DIDResolver(runtime.http, allow_http_loopback=settings.is_development)
    # Every use is a learner asking "check now": each list is fetched anew (a revocation shows
    # at once); learners asking at the same moment share one fetch of it (single flight).
    return StatusChecker(runtime.http, resolver, cache, fresh=True)


StatusCheckerDep = Annotated[StatusChecker, Depends(status_checker)]


async def stack_of(store: CredentialStore) -> Stack:
    return build_stack((record, store.document(record)) for record in await store.all())


async def refresh_all(store: CredentialStore, checker: StatusChecker) -> list[StatusOut]:
    found = []
    for record in await store.all():
        await refresh(store, record, checker)
        found.append(status_out(record))
    return found


def status_out(record: StoredCredential) -> StatusOut:
    card = card_of(record)
    return StatusOut(id=card.id, status=card.status, checked_at=card.status_checked_at)


def download(content: dict[str, Any], name: str) -> JSONResponse:
    """A JSON file the browser saves rather than shows."""
    filename = f"{name}-{utcnow().date().isoformat()}.json"
    return JSONResponse(
        content,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --- routes ------------------------------------------------------------------------------


@router.get("/credentials")
async def list_credentials(
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE_SIZE,
    after: Annotated[str | None, Query(max_length=64)] = None,
) -> list[CredentialSummaryOut]:
    """Newest first, ``limit`` at a time; a full page links to the next one (``Link``
    header, rel="next"), which starts after the last credential listed."""
    records = await store_of(session, learner, runtime).page(limit, after)
    if len(records) == limit:
        following = request.url.include_query_params(after=records[-1].id)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return [CredentialSummaryOut.of(card_of(record)) for record in records]


@router.get("/credentials/{credential_id}")
async def get_credential(
    credential_id: str, learner: LearnerDep, session: SessionDep, runtime: RuntimeDep
) -> CredentialOut:
    store = store_of(session, learner, runtime)
    record = await store.get(credential_id)
    summary = CredentialSummaryOut.of(card_of(record))
    return CredentialOut(**summary.model_dump(), document=store.document(record))


@router.delete("/credentials/{credential_id}", status_code=204)
async def delete_credential(
    credential_id: str, learner: LearnerDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    await store_of(session, learner, runtime).delete(credential_id)
    return Response(status_code=204)


@router.post("/credentials/{credential_id}/status")
async def refresh_status(
    credential_id: str,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    checker: StatusCheckerDep,
) -> StatusOut:
    """Check revocation, suspension and expiry now, from the issuer's status lists."""
    store = store_of(session, learner, runtime)
    record = await store.get(credential_id)
    await refresh(store, record, checker)
    return status_out(record)


@router.post("/credentials/status")
async def refresh_all_statuses(
    learner: LearnerDep, session: SessionDep, runtime: RuntimeDep, checker: StatusCheckerDep
) -> list[StatusOut]:
    return await refresh_all(store_of(session, learner, runtime), checker)


@router.get("/stack")
async def stack(learner: LearnerDep, session: SessionDep, runtime: RuntimeDep) -> StackOut:
    return StackOut.of(await stack_of(store_of(session, learner, runtime)))


@router.get("/export")
async def export(
    learner: LearnerDep, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> JSONResponse:
    """All credentials as received, with their formats, as a JSON file. No key."""
    content = await archive_of(session, learner, runtime, settings).export()
    return download(content, "credstack-wallet-export")


@router.post("/backup")
async def backup(
    body: BackupIn,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> JSONResponse:
    """The credentials and the holder key, encrypted under the passphrase, as a file."""
    envelope = await archive_of(session, learner, runtime, settings).backup(body.passphrase)
    return download(envelope, "credstack-wallet-backup")


@router.post("/backup/restore")
async def restore(
    file: Annotated[UploadFile, File()],
    passphrase: Annotated[str, Form(max_length=1024)],
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> RestoreOut:
    """Restore a backup into this new, empty account: its credentials, its key and DID."""
    content = await file.read(MAX_BACKUP_BYTES + 1)
    restored = await archive_of(session, learner, runtime, settings).restore(content, passphrase)
    return RestoreOut(restored=len(restored), did=learner.did)
