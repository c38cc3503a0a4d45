"""The sharing screens: open a verifier's request, the consent page, and what happened.

``GET /share`` with a request's query (``/share?client_id=…&request_uri=…``, or
``/share?request=<request uri>``) is how an ``openid4vp://`` link opened on the phone lands
here: the request is fetched and checked at once and the consent page follows. Fetching
sends nothing about the learner; nothing is shared before the learner presses Share on
the consent page, a CSRF-protected POST naming the picked credentials.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from holder.deps import RuntimeDep, SessionDep, SettingsDep
from holder.i18n import _
from holder.pages.common import CsrfDep, LearnerPageDep, render
from holder.receive.qr_image import MAX_IMAGE_BYTES, read_qr_codes
from holder.share.disclosure import disclosed_fields
from holder.share.request import SCHEMES, link_from_page_query, parse_link, query_parameters
from holder.share.schemas import NO_SELECTIVE_DISCLOSURE
from holder.share.service import PENDING, RequestView, Sharing
from shared.errors import CredstackError, InvalidInput
from shared.pages import discard_changes

router = APIRouter(include_in_schema=False)

START = "share/start.html"
PICK_PREFIX = "pick."
_REQUEST_PARAMETERS = ("client_id", "request_uri", "request")


def _sharing(
    learner: LearnerPageDep, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Sharing:
    return Sharing(session, runtime, settings, learner)


SharingPageDep = Annotated[Sharing, Depends(_sharing)]


def _to_request(request_id: str) -> Response:
    return RedirectResponse(f"/share/{request_id}", status_code=303)


@router.get("/share")
async def share_start(request: Request, sharing: SharingPageDep, session: SessionDep) -> Response:
    """The paste-or-scan page; or, opened as a link with a request's query, that request."""
    if not any(name in request.query_params for name in _REQUEST_PARAMETERS):
        return render(request, START, {"link": ""})
    try:
        params = link_from_page_query(query_parameters(str(request.url.query)))
        record = await sharing.open(params)
    except CredstackError as error:
        await discard_changes(request, session)
        return render(request, START, {"link": "", "error": error}, error.status_code)
    return _to_request(record.id)


@router.post("/share")
async def share_open(
    request: Request,
    sharing: SharingPageDep,
    session: SessionDep,
    _csrf: CsrfDep,
    link: Annotated[str, Form(max_length=64 * 1024)] = "",
    qr: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Open the pasted link, or the request in an uploaded photo of the QR code."""
    try:
        if qr is not None and qr.filename:
            link = _request_link(read_qr_codes(await _read(qr)))
        record = await sharing.open(parse_link(link))
    except CredstackError as error:
        await discard_changes(request, session)
        return render(request, START, {"link": link, "error": error}, error.status_code)
    return _to_request(record.id)


async def _read(upload: UploadFile) -> bytes:
    content = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(content) > MAX_IMAGE_BYTES:
        size = MAX_IMAGE_BYTES // (1024 * 1024)
        raise InvalidInput(_("The picture is larger than %(size)s MiB.", size=size))
    return content


def _request_link(codes: list[str]) -> str:
    """The first QR code that is a presentation request (a picture may hold others)."""
    for text in codes:
        if text.split(":", 1)[0].lower() in SCHEMES:
            return text
    raise InvalidInput(
        _(
            "The QR code in this picture is not a presentation request (openid4vp://…). "
            "To receive a credential, use Receive instead."
        )
    )


@router.get("/share/{request_id}")
async def consent_page(request: Request, request_id: str, sharing: SharingPageDep) -> Response:
    return await _consent(request, sharing, request_id)


async def _consent(
    request: Request,
    sharing: Sharing,
    request_id: str,
    *,
    error: CredstackError | None = None,
    picked: dict[str, list[str]] | None = None,
) -> Response:
    view = await sharing.view(request_id)
    if view.status != PENDING:
        return render(request, "share/outcome.html", {"view": view})
    disclosures = {
        candidate.id: disclosed_fields(candidate)
        for item in view.queries
        for candidate in item.matches
    }
    context = {
        "view": view,
        "disclosures": disclosures,
        "picked": picked if picked is not None else _preselected(view),
        "no_selective_disclosure": str(NO_SELECTIVE_DISCLOSURE),
        "pick_prefix": PICK_PREFIX,
        "error": error,
    }
    status_code = error.status_code if error is not None else 200
    return render(request, "share/consent.html", context, status_code)


def _preselected(view: RequestView) -> dict[str, list[str]]:
    """A required query with exactly one matching credential starts with it chosen; the
    learner still has to press Share."""
    return {
        item.query.id: [item.matches[0].id]
        for item in view.queries
        if item.required and len(item.matches) == 1
    }


@router.post("/share/{request_id}")
async def answer(
    request: Request,
    request_id: str,
    sharing: SharingPageDep,
    session: SessionDep,
    _csrf: CsrfDep,
    action: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """The consent form: Share (with the picked credentials) or Decline."""
    if action == "decline":
        await sharing.decline(request_id)
        return _to_request(request_id)
    if action != "share":
        raise InvalidInput(_("Press Share or Decline."))
    form = await request.form()
    picked = {
        str(key).removeprefix(PICK_PREFIX): [str(v) for v in form.getlist(key) if v]
        for key in form
        if str(key).startswith(PICK_PREFIX)
    }
    selections = {query_id: ids for query_id, ids in picked.items() if ids}
    try:
        await sharing.share(request_id, selections)
    except InvalidInput as error:
        # Nothing was sent: the choices were refused before anything was signed.
        await discard_changes(request, session)
        return await _consent(request, sharing, request_id, error=error, picked=picked)
    return _to_request(request_id)
