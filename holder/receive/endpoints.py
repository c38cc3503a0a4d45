"""The receive API: open an offer, accept or decline it, read a QR picture, import a file.

Every route acts for the signed-in learner (bearer token or session cookie). Calling
``POST /offers`` is the client's explicit request to fetch the offer (security checklist
B.1): an API client shows its learner the host itself, before it calls this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile

from holder.deps import LearnerDep, RuntimeDep, SessionDep, SettingsDep
from holder.i18n import _
from holder.models import Learner
from holder.pages.common import pick
from holder.receive.qr_image import MAX_IMAGE_BYTES
from holder.receive.schemas import (
    AcceptIn,
    OfferIn,
    PendingOfferOut,
    Picker,
    ReceivedCredentialOut,
    ScanOut,
)
from holder.receive.service import Receiving
from holder.wallet.importing import MAX_IMPORT_BYTES, Importer
from shared.errors import InvalidInput

router = APIRouter(prefix="/api/v1", tags=["receive"])
NO_STORE = {"Cache-Control": "no-store"}


def receiving(
    session: SessionDep, runtime: RuntimeDep, settings: SettingsDep, learner: LearnerDep
) -> Receiving:
    return Receiving(session, runtime, settings, learner)


def picker(request: Request, learner: Learner) -> Picker:
    def choose(names: Mapping[str, str]) -> str:
        return pick(names, request, learner)

    return choose


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The uploaded file, refused when it is larger than ``limit`` (read no further)."""
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise InvalidInput(_("The file is larger than %(size)s KiB.", size=limit // 1024))
    return content


@router.post("/offers", status_code=201)
async def open_offer(
    body: OfferIn,
    request: Request,
    response: Response,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> PendingOfferOut:
    """Fetch the offer and the issuer's metadata; answers who offers what, and whether a
    transaction code is needed. Nothing is received until it is accepted."""
    view = await receiving(session, runtime, settings, learner).open_link(body.offer_uri)
    response.headers.update(NO_STORE)
    return PendingOfferOut.of(view, picker(request, learner))


@router.post("/offers/scan")
async def scan_offer(
    image: Annotated[UploadFile, File(description="a photo or screenshot of the QR code")],
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> ScanOut:
    """The offer link in a QR picture (not opened: pass it to ``POST /offers``)."""
    content = await read_upload(image, MAX_IMAGE_BYTES)
    link = await receiving(session, runtime, settings, learner).scan(content)
    return ScanOut(offer_uri=link)


@router.get("/offers/{offer_id}")
async def pending_offer(
    offer_id: str,
    request: Request,
    response: Response,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> PendingOfferOut:
    view = await receiving(session, runtime, settings, learner).get(offer_id)
    response.headers.update(NO_STORE)
    return PendingOfferOut.of(view, picker(request, learner))


@router.post("/offers/{offer_id}/accept", status_code=201)
async def accept_offer(
    offer_id: str,
    body: AcceptIn,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> ReceivedCredentialOut:
    """Receive the credential; it is stored only if its signature verifies and it is bound
    to the learner's DID."""
    record = await receiving(session, runtime, settings, learner).accept(offer_id, body.tx_code)
    return ReceivedCredentialOut.of(record)


@router.delete("/offers/{offer_id}", status_code=204)
async def decline_offer(
    offer_id: str,
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    await receiving(session, runtime, settings, learner).decline(offer_id)
    return Response(status_code=204)


@router.post("/credentials/import", status_code=201)
async def import_credential(
    file: Annotated[UploadFile, File(description="an OB 3.0 credential: JSON (ldp_vc) or a JWT")],
    learner: LearnerDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ReceivedCredentialOut:
    """Add a credential from another wallet; stored only if its signature verifies."""
    content = await read_upload(file, MAX_IMPORT_BYTES)
    imported = await Importer(session, runtime, learner).import_file(content)
    return ReceivedCredentialOut.of(imported.record, imported.warnings)
