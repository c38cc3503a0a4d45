"""The wallet screens: the cards, a credential's detail, the stack, export, backup, restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from holder.deps import RuntimeDep, SessionDep, SettingsDep
from holder.i18n import lazy_gettext
from holder.pages.common import (
    CsrfDep,
    LearnerPageDep,
    OptionalLearnerPageDep,
    pick,
    render,
)
from holder.wallet.backup import MAX_BACKUP_BYTES, MIN_PASSPHRASE_LENGTH
from holder.wallet.endpoints import (
    StatusCheckerDep,
    archive_of,
    download,
    refresh_all,
    stack_of,
    store_of,
)
from holder.wallet.status import refresh
from holder.wallet.store import PAGE_SIZE
from holder.wallet.views import card_of, detail_of
from shared.errors import CredstackError
from shared.pages import discard_changes

router = APIRouter(include_in_schema=False)

# What a page says after a redirect: a fixed set, so a link cannot make the page say anything.
NOTICES = {
    "deleted": lazy_gettext("The credential was deleted from your wallet."),
    "refreshed": lazy_gettext("Status checked with the issuers just now."),
}
Notice = Annotated[str | None, Query(max_length=32)]
Passphrase = Annotated[str, Form(max_length=1024)]


@router.get("/")
async def home(
    request: Request,
    learner: OptionalLearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    notice: Notice = None,
    after: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    if learner is None:
        return render(request, "wallet/welcome.html", {})
    records = await store_of(session, learner, runtime).page(PAGE_SIZE, after)
    cards = [card_of(record) for record in records]
    # A full page may have more after it: the link starts after its last card.
    older = records[-1].id if len(records) == PAGE_SIZE else None
    return render(
        request,
        "wallet/cards.html",
        {"cards": cards, "notice": NOTICES.get(notice or ""), "older": older},
    )


@router.post("/credentials/status")
async def refresh_all_page(
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    checker: StatusCheckerDep,
) -> Response:
    await refresh_all(store_of(session, learner, runtime), checker)
    return RedirectResponse("/?notice=refreshed", status_code=303)


@router.get("/credentials/{credential_id}")
async def credential_page(
    request: Request,
    credential_id: str,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    notice: Notice = None,
) -> Response:
    store = store_of(session, learner, runtime)
    record = await store.get(credential_id)
    detail = detail_of(record, store.document(record))
    context = {"detail": detail, "notice": NOTICES.get(notice or "")}
    return render(request, "wallet/detail.html", context)


@router.post("/credentials/{credential_id}/status")
async def refresh_page(
    credential_id: str,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    checker: StatusCheckerDep,
) -> Response:
    store = store_of(session, learner, runtime)
    await refresh(store, await store.get(credential_id), checker)
    return RedirectResponse(f"/credentials/{credential_id}?notice=refreshed", status_code=303)


@router.get("/credentials/{credential_id}/delete")
async def delete_confirm_page(
    request: Request,
    credential_id: str,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    record = await store_of(session, learner, runtime).get(credential_id)
    return render(request, "wallet/delete.html", {"card": card_of(record)})


@router.post("/credentials/{credential_id}/delete")
async def delete_page(
    credential_id: str,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    await store_of(session, learner, runtime).delete(credential_id)
    return RedirectResponse("/?notice=deleted", status_code=303)


@router.get("/stack")
async def stack_page(
    request: Request, learner: LearnerPageDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    stack = await stack_of(store_of(session, learner, runtime))
    fields = stack.fields_named(lambda name: pick(name, request, learner))
    return render(request, "wallet/stack.html", {"stack": stack, "fields": fields})


@router.get("/account/export")
async def export_page(
    learner: LearnerPageDep, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Response:
    content = await archive_of(session, learner, runtime, settings).export()
    return download(content, "credstack-wallet-export")


@router.post("/account/backup")
async def backup_page(
    request: Request,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    passphrase: Passphrase = "",
) -> Response:
    try:
        envelope = await archive_of(session, learner, runtime, settings).backup(passphrase)
    except CredstackError as error:
        await discard_changes(request, session)
        context = {"error": error.description, "min_length": MIN_PASSPHRASE_LENGTH}
        return render(request, "wallet/backup.html", context, status_code=error.status_code)
    return download(envelope, "credstack-wallet-backup")


@router.post("/account/restore")
async def restore_page(
    request: Request,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    passphrase: Passphrase = "",
) -> Response:
    content = await file.read(MAX_BACKUP_BYTES + 1)
    try:
        restored = await archive_of(session, learner, runtime, settings).restore(
            content, passphrase
        )
    except CredstackError as error:
        # The restore checks everything before its first write; should a write fail
        # after all, it is undone here rather than committed with the page.
        await discard_changes(request, session)
        return render(
            request, "wallet/restore.html", {"error": error.description}, error.status_code
        )
    return render(request, "wallet/restored.html", {"count": len(restored)})
