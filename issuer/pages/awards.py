"""The award pages: the award form, an award with its QR code, and the list of awards.

A new offer's link and PIN are stored nowhere (only their hashes are), so the page that
shows the QR code gets them back from a short-lived cookie set when the offer is made:
HttpOnly, SameSite=Strict and sent only to that award's page. That way awarding is a
POST that redirects (reloading the page cannot award twice) and the page can still be
reloaded while the registrar reads the QR code out or prints it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from issuer.awards.offers import NewOffer
from issuer.awards.registrar import (
    MAX_OFFSET,
    MAX_PAGE,
    MAX_QUERY_LENGTH,
    Registrar,
    offer_state,
    pin_by_default,
)
from issuer.awards.schemas import OfferOut, RecipientIn
from issuer.catalogue.service import Catalogue
from issuer.certificates.endpoints import PDF_FILE_NAME, PRIVATE_HEADERS
from issuer.certificates.service import Certificates
from issuer.certificates.urls import verification_url
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.mail.service import Mailer, describe, mail_available, sends_for_real
from issuer.pages.common import SITE, CsrfDep, PageActorDep, render
from issuer.settings import IssuerSettings
from issuer.status.service import MAX_REASON_LENGTH
from shared.credentials.microcredential.elements import element_at
from shared.credentials.microcredential.validation import InvalidMicroCredential, Problem
from shared.languages import LANGUAGE_NAMES
from shared.pages import discard_changes
from shared.qr import qr_svg
from shared.validation_words import sentence

router = APIRouter(prefix="/admin", include_in_schema=False)

NEW_OFFER_COOKIE = "credstack_issuer_new_offer"
NEW_OFFER_SECONDS = 15 * 60
PAGE_SIZE = 50

FormText = Annotated[str, Form()]


def _award_path(award_id: str) -> str:
    return f"/admin/awards/{award_id}"


def _show_offer(request: Request, award_id: str, offer: NewOffer) -> Response:
    """Go to the award's page, handing it the new offer's secrets to show once more."""
    response = RedirectResponse(_award_path(award_id), status_code=303)
    value = offer.uri_token + (f".{offer.tx_code}" if offer.tx_code else "")
    SITE.set_cookie(
        request,
        response,
        NEW_OFFER_COOKIE,
        value,
        max_age=NEW_OFFER_SECONDS,
        path=_award_path(award_id),
    )
    return response


def _inline_qr(offer: NewOffer, settings: IssuerSettings) -> Markup:
    """The offer link's QR code, inlined in the page (it prints with it, no second request).

    Marked safe because it is our own SVG: shapes only, the link is not written in it as text.
    """
    return Markup(qr_svg(offer.links(settings)["credential_offer_uri"]))  # noqa: S704


# The award form's fields as the registrar reads them, for the problems shown above it.
RECIPIENT_LABELS = {
    "name": "Learner's name",
    "email": "E-mail",
    "student_id": "Student id",
    "grade": "Grade",
    "activity_start": "Learning started on",
    "activity_end": "Learning ended on",
}


def _problems_of(exc: ValidationError) -> list[Problem]:
    """The form's errors as sentences naming the field as the form labels it (never the
    validation library's own text)."""
    problems = []
    for error in exc.errors():
        head = str(error["loc"][0]) if error["loc"] else ""
        label = RECIPIENT_LABELS.get(head, head)
        if error["type"] == "string_type" and error.get("input") is None:
            error = {**error, "type": "missing"}  # a blank field arrives as None
        elif error["type"] == "too_long" and isinstance(error.get("input"), str):
            # Behind a BeforeValidator pydantic counts a text's length as a list's.
            error = {**error, "type": "string_too_long"}
        found = element_at(tuple(error["loc"]))
        problems.append(
            Problem(found.label if found else None, "", sentence({**error, "loc": [label]}))
        )
    return problems


@router.get("/achievements/{achievement_id}/award")
async def award_form(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    item = await Catalogue(session, settings.base_url).current(achievement_id)
    return render(request, "issuer/award_form.html", {"item": item, "values": {}})


@router.post("/achievements/{achievement_id}/award")
async def award(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    name: FormText = "",
    email: FormText = "",
    student_id: FormText = "",
    grade: FormText = "",
    activity_start: FormText = "",
    activity_end: FormText = "",
    tx_code: Annotated[str | None, Form()] = None,
    send_email: Annotated[str | None, Form()] = None,
) -> Response:
    values = {
        "name": name,
        "email": email,
        "student_id": student_id,
        "grade": grade,
        "activity_start": activity_start,
        "activity_end": activity_end,
    }
    try:
        given = RecipientIn.model_validate({**values, "tx_code": tx_code is not None})
        made, offer = await Registrar(session, settings, runtime.key_encryption_key).award(
            achievement_id, given.recipient(), with_tx_code=given.tx_code, actor=actor.name
        )
        if send_email is not None and made.learner_email and mail_available(settings):
            mailer = Mailer(session, settings, runtime.key_encryption_key)
            await mailer.queue([(made, offer)], actor=actor.name)
    except (ValidationError, InvalidMicroCredential) as exc:
        problems = exc.problems if isinstance(exc, InvalidMicroCredential) else _problems_of(exc)
        await discard_changes(request, session)
        item = await Catalogue(session, settings.base_url).current(achievement_id)
        context = {
            "item": item,
            "values": {
                **values,
                "tx_code": tx_code is not None,
                "send_email": send_email is not None,
            },
            "problems": problems,
        }
        return render(request, "issuer/award_form.html", context, status_code=400)
    return _show_offer(request, made.id, offer)


@router.get("/awards")
async def awards_list(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    achievement_id: str | None = None,
    q: str = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE_SIZE,
) -> Response:
    """Awards, newest first, a page at a time; searched by learner name, e-mail or student
    id. A search longer than the box allows is cut, not refused."""
    query = q.strip()[:MAX_QUERY_LENGTH]
    page = await Registrar(session, settings, runtime.key_encryption_key).page(
        achievement_id=achievement_id or None, query=query, limit=limit, offset=offset
    )
    items = await Catalogue(session, settings.base_url).items()
    context = {
        "page": page,
        "rows": page.rows,
        "items": items,
        "achievement_id": achievement_id,
        "q": query,
        "max_query": MAX_QUERY_LENGTH,
        "filters": urlencode(
            {k: v for k, v in {"achievement_id": achievement_id, "q": query}.items() if v}
        ),
    }
    return render(request, "issuer/awards.html", context)


@router.get("/awards/{award_id}")
async def award_page(
    request: Request,
    award_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    record = await registrar.record(award_id)
    remembered = request.cookies.get(NEW_OFFER_COOKIE)
    fresh = None
    # A suspended or revoked award's page shows no QR code, even one made just before.
    if remembered and record.award.status == "active":
        uri_token, _, pin = remembered.partition(".")
        fresh = await registrar.shown_offer(award_id, uri_token, pin or None)
    context = {
        "record": record,
        "entry": record.entry,
        "offers": [
            (offer, offer_state(offer, settings.tx_code_max_failures)) for offer in record.offers
        ],
        "fresh": OfferOut.of(award_id, fresh, settings) if fresh else None,
        "fresh_qr": _inline_qr(fresh, settings) if fresh else None,
        "max_reason": MAX_REASON_LENGTH,
        # A new offer asks for a PIN if the last one did, unless the registrar unticks it.
        "pin_by_default": pin_by_default(record.offers),
        "verification_url": verification_url(settings.base_url, record.award.public_id),
        **await _mail_context(session, settings, runtime.key_encryption_key, award_id),
    }
    response = render(request, "issuer/award.html", context)
    if remembered and fresh is None:  # redeemed, withdrawn or expired: nothing left to show
        response.delete_cookie(NEW_OFFER_COOKIE, path=_award_path(award_id))
    return response


@router.post("/awards/{award_id}/offers")
async def new_offer(
    request: Request,
    award_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    tx_code: Annotated[str | None, Form()] = None,
) -> Response:
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    made, offer = await registrar.new_offer(
        award_id, with_tx_code=tx_code is not None, actor=actor.name
    )
    return _show_offer(request, made.id, offer)


async def _mail_context(
    session: SessionDep, settings: IssuerSettings, kek: bytes, award_id: str
) -> dict[str, object]:
    """The award's e-mails in words, and whether a new one can be sent (issuer.mail)."""
    messages = await Mailer(session, settings, kek).messages_for(award_id)
    return {
        "mail_messages": [(message, describe(message)) for message in messages],
        "mail_available": mail_available(settings),
        "mail_for_real": sends_for_real(settings),
        "mail_languages": LANGUAGE_NAMES,
        "mail_pin_policy": settings.mail_pin_policy,
    }


@router.post("/awards/{award_id}/email")
async def email_offer(
    request: Request,
    award_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    tx_code: Annotated[str | None, Form()] = None,
    language: FormText = "",
) -> Response:
    """E-mail a fresh offer to the learner (the first time, or again)."""
    _, offer, _ = await Mailer(session, settings, runtime.key_encryption_key).send_new_offer(
        award_id, with_tx_code=tx_code is not None, language=language or None, actor=actor.name
    )
    return _show_offer(request, award_id, offer)


@router.get("/awards/{award_id}/certificate.pdf", response_class=Response)
async def award_certificate_pdf(
    award_id: str, actor: PageActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The award's certificate for the registrar to print or send (the API's, by session)."""
    certificates = Certificates(session, settings)
    content = await certificates.pdf(await certificates.of_award(award_id))
    headers = {**PRIVATE_HEADERS, "Content-Disposition": f'inline; filename="{PDF_FILE_NAME}"'}
    return Response(content, media_type="application/pdf", headers=headers)


@router.get("/awards/{award_id}/revoke")
async def revoke_confirmation(
    request: Request,
    award_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    """The step before revoking: what will be revoked, for good, and why (the reason is
    asked here); its button posts to the status action, Cancel goes back."""
    record = await Registrar(session, settings, runtime.key_encryption_key).record(award_id)
    context = {"record": record, "entry": record.entry, "max_reason": MAX_REASON_LENGTH}
    return render(request, "issuer/award_revoke.html", context)
