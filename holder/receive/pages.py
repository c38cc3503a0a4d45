"""The receive screens: open an offer (link or QR picture), decide on it, import a file.

``GET /receive`` with ``credential_offer_uri`` or ``credential_offer`` in its query is the
target of an issuer's "open in wallet" link. Any web page or e-mail can point there, so
that GET fetches nothing: it shows the host the offer would be fetched from and asks
"Continue?" (security checklist B.1); only the learner's POST opens it. A link the learner
pastes, or a QR picture they upload, is opened straight away: pressing "Open" is the
consent. Not signed in, the learner logs in first and comes back to the same link.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from holder.deps import RuntimeDep, SessionDep, SettingsDep
from holder.models import Learner
from holder.pages.common import CsrfDep, LearnerPageDep, render
from holder.receive.endpoints import read_upload
from holder.receive.offers import (
    OFFER_PARAMETER,
    OFFER_URI_PARAMETER,
    OfferLink,
    offer_link_from_parameters,
)
from holder.receive.qr_image import MAX_IMAGE_BYTES
from holder.receive.schemas import MAX_OFFER_LINK, MAX_TX_CODE
from holder.receive.service import Receiving
from holder.wallet.importing import MAX_IMPORT_BYTES, Importer
from shared.errors import CredstackError
from shared.pages import discard_changes

router = APIRouter(include_in_schema=False)

OfferText = Annotated[str, Form(max_length=MAX_OFFER_LINK)]
OptionalUpload = Annotated[UploadFile | None, File()]
START = "receive/start.html"
CONFIRM = "receive/confirm.html"
OFFER = "receive/offer.html"


def _receiving(
    session: SessionDep, runtime: RuntimeDep, settings: SettingsDep, learner: Learner
) -> Receiving:
    return Receiving(session, runtime, settings, learner)


def _start_page(
    request: Request, *, link: str = "", error: CredstackError | None = None
) -> Response:
    status = error.status_code if error is not None else 200
    return render(request, START, {"link": link, "error": error}, status_code=status)


def _card(credential_id: str) -> Response:
    return RedirectResponse(f"/credentials/{credential_id}", status_code=303)


def _offer_link_text(link: OfferLink) -> str:
    """The link as ``openid-credential-offer://``, for the confirmation form to post back."""
    if link.offer_uri is not None:
        return "openid-credential-offer://?" + urlencode({OFFER_URI_PARAMETER: link.offer_uri})
    return "openid-credential-offer://?" + urlencode({OFFER_PARAMETER: json.dumps(link.offer)})


@router.get("/receive")
async def receive_page(request: Request, _learner: LearnerPageDep) -> Response:
    """The start page; with an offer in the query, the "fetch from <host>?" question."""
    parameters = {
        name: request.query_params.getlist(name)
        for name in (OFFER_PARAMETER, OFFER_URI_PARAMETER)
        if name in request.query_params
    }
    if not parameters:
        return _start_page(request)
    try:
        link = offer_link_from_parameters(parameters)
    except CredstackError as error:
        return _start_page(request, error=error)
    context = {"host": link.fetch_host, "link": _offer_link_text(link)}
    return render(request, CONFIRM, context)


@router.post("/receive")
async def open_offer(
    request: Request,
    _csrf: CsrfDep,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    link: OfferText = "",
    qr: OptionalUpload = None,
) -> Response:
    """Open a pasted link, or the one in an uploaded QR picture; then show the offer."""
    receiving = _receiving(session, runtime, settings, learner)
    try:
        if qr is not None and qr.filename:
            link = await receiving.scan(await read_upload(qr, MAX_IMAGE_BYTES))
        view = await receiving.open_link(link)
    except CredstackError as error:
        await discard_changes(request, session)
        return _start_page(request, link=link, error=error)
    return RedirectResponse(f"/receive/{view.id}", status_code=303)


@router.post("/receive/import")
async def import_file(
    request: Request,
    _csrf: CsrfDep,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    file: OptionalUpload = None,
) -> Response:
    try:
        content = await read_upload(file, MAX_IMPORT_BYTES) if file is not None else b""
        imported = await Importer(session, runtime, learner).import_file(content)
    except CredstackError as error:
        await discard_changes(request, session)
        return render(request, START, {"link": "", "import_error": error}, error.status_code)
    return _card(imported.record.id)


@router.get("/receive/{offer_id}")
async def offer_page(
    request: Request,
    offer_id: str,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    view = await _receiving(session, runtime, settings, learner).get(offer_id)
    return render(request, OFFER, {"offer": view})


@router.post("/receive/{offer_id}/accept")
async def accept(
    request: Request,
    offer_id: str,
    _csrf: CsrfDep,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    tx_code: Annotated[str, Form(max_length=MAX_TX_CODE)] = "",
) -> Response:
    receiving = _receiving(session, runtime, settings, learner)
    view = await receiving.get(offer_id)  # gone or someone else's: the error page says so
    try:
        record = await receiving.accept(offer_id, tx_code)
    except CredstackError as error:
        await discard_changes(request, session)
        # Back to the same offer with the reason: a mistyped code can be entered again.
        return render(request, OFFER, {"offer": view, "error": error}, error.status_code)
    return _card(record.id)


@router.post("/receive/{offer_id}/decline")
async def decline(
    offer_id: str,
    _csrf: CsrfDep,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    await _receiving(session, runtime, settings, learner).decline(offer_id)
    return RedirectResponse("/receive", status_code=303)
