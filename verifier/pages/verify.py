"""The public "check a credential" page: no account needed.

Anyone pastes or uploads a credential or a presentation (JSON or JWT), or a photo of the QR
code on a credstack PDF certificate, and gets the same check report a request's answer
gets; the nonce and audience checks do not apply (there was no request). The form carries a
CSRF token bound to a pre-session cookie like every other form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from shared.errors import CredstackError
from shared.qr_image import MAX_IMAGE_BYTES
from shared.runtime import RuntimeDep
from verifier.deps import CheckerDep
from verifier.pages.common import CsrfDep, render
from verifier.pages.pasted import MAX_DOCUMENT_CHARS, document_from

router = APIRouter(include_in_schema=False)
PAGE = "verifier/verify.html"


def _context(**extra: object) -> dict[str, object]:
    return {
        "max_kib": MAX_DOCUMENT_CHARS // 1024,
        "max_mib": MAX_IMAGE_BYTES // (1024 * 1024),
        "document": "",
        **extra,
    }


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/verify", status_code=303)


@router.get("/verify")
async def verify_page(request: Request) -> Response:
    return render(request, PAGE, _context())


@router.post("/verify")
async def verify(
    request: Request,
    _csrf: CsrfDep,
    runtime: RuntimeDep,
    checker: CheckerDep,
    document: Annotated[str, Form(max_length=MAX_DOCUMENT_CHARS)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = None
    if file is not None and file.filename:
        upload = await file.read(MAX_IMAGE_BYTES + 1)
    try:
        text = await document_from(document, upload, runtime.http)
    except CredstackError as error:
        context = _context(document=document, error=error.description)
        return render(request, PAGE, context, status_code=error.status_code)
    report = await checker.check_document(text)
    return render(request, PAGE, _context(document=document, report=report))
