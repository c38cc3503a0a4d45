"""Certificates: the PDF (registrar and learner) and the public verification page.

The learner's PDF and the page are public but addressed by the award's unguessable
``public_id`` (the QR code on the PDF carries it). They are personal data, so nothing is
cached, the URL never leaks through a Referer to the links on the page, and search engines
are asked not to index it.

The page's address answers in three forms, by the ``Accept`` header (``negotiation``):
HTML for a person's browser (and for a client that says nothing or nothing we offer), the
certificate's signed credential for a verifier asking ``application/vc+ld+json``, and the
issuer's description of the certificate for ``application/json``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from issuer.certificates import credential
from issuer.certificates.content import Certificate
from issuer.certificates.credential import CertificateCredentials
from issuer.certificates.negotiation import preferred_media_type
from issuer.certificates.schemas import CertificateOut
from issuer.certificates.service import Certificates
from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from shared.web import templates_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = templates_for(TEMPLATES_DIR)

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
PAGE_HEADERS = {
    **PRIVATE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    ),
    "Vary": "Accept, Accept-Language",
}
PDF_FILE_NAME = "micro-credential-certificate.pdf"
HTML, JSON = "text/html", "application/json"
# On a tie, the first: a browser's */* gets the page, a verifier's equal weights the credential.
PAGE_FORMS = (HTML, credential.MEDIA_TYPE, JSON)

router = APIRouter(tags=["certificates"])


@router.get(
    "/api/v1/awards/{award_id}/certificate.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def award_certificate_pdf(
    award_id: str, actor: AdminDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The award's certificate as the registrar prints or e-mails it."""
    certificates = Certificates(session, settings)
    return _pdf(await certificates.pdf(await certificates.of_award(award_id)))


# Declared before the page: "{public_id}" alone would also match "<id>.pdf".
@router.get(
    "/certificates/{public_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def public_certificate_pdf(
    public_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """The learner's certificate, by the public id its QR code and links carry."""
    certificates = Certificates(session, settings)
    return _pdf(await certificates.pdf(await certificates.by_public_id(public_id)))


@router.get(
    "/certificates/{public_id}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {},
                credential.MEDIA_TYPE: {"schema": {}},
                "application/json": {"schema": {}},
            }
        }
    },
)
async def verification_page(
    public_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    """The certificate's elements and its live status (valid, suspended, revoked), as an
    HTML page or, with ``Accept: application/json``, as JSON; with ``Accept:
    application/vc+ld+json``, the certificate's signed credential, to check like any other."""
    form = preferred_media_type(request.headers.get("accept"), PAGE_FORMS) or HTML
    if form == credential.MEDIA_TYPE:
        signed = await CertificateCredentials(
            session, settings, runtime.key_encryption_key
        ).by_public_id(public_id)
        return Response(signed, media_type=credential.MEDIA_TYPE, headers=PAGE_HEADERS)
    certificate = await Certificates(session, settings).by_public_id(public_id)
    language = certificate.language_for(request.headers.get("accept-language"))
    if form == JSON:
        body = CertificateOut.of(certificate, language).model_dump(mode="json")
        return JSONResponse(body, headers=PAGE_HEADERS)
    return templates.TemplateResponse(
        request,
        "certificates/verification.html",
        _page(certificate, language),
        headers=PAGE_HEADERS,
    )


def _page(certificate: Certificate, language: str) -> dict[str, object]:
    titles = certificate.award.entry.title.texts()
    return {
        "lang": language,
        "certificate": certificate,
        "title": certificate.title_in(language),
        "other_titles": [(tag, text) for tag, text in titles.items() if tag != language],
        "issuer_name": certificate.issuer_name_in(language),
        "elements": certificate.elements(language),
    }


def _pdf(content: bytes) -> Response:
    headers = {
        **PRIVATE_HEADERS,
        "Content-Disposition": f'inline; filename="{PDF_FILE_NAME}"',
    }
    return Response(content, media_type="application/pdf", headers=headers)
